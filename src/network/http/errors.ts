/**
 * Error answers of both HTTP sides (simulator server, issuer callback routes) in the shared envelope, so each
 * client maps them back to the same NetworkFailure. Framework messages are never echoed: a JSON syntax error
 * message quotes the start of the body, which may be a PAN.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { NetworkFailure } from '../../errors.js';
import { WireError, errorBody, statusOf } from './wire.js';

export function toNetworkFailure(err: unknown): NetworkFailure {
  if (err instanceof NetworkFailure) return err;
  if (err instanceof WireError) return new NetworkFailure('bad_request', err.message);
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new NetworkFailure('bad_request', 'invalid request');
  return new NetworkFailure('error', 'internal error');
}

export function sendFailure(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const failure = toNetworkFailure(err);
  if (!(err instanceof NetworkFailure) && !(err instanceof WireError) && failure.mode === 'error') {
    // An unexpected crash: log its type and stack for the operator, not request data.
    request.log.error({ errName: err.name, stack: err.stack }, 'unexpected error');
  }
  return reply.code(statusOf(failure)).send(errorBody(failure));
}

export function sendNotFound(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(errorBody(new NetworkFailure('bad_request', 'route not found')));
}
