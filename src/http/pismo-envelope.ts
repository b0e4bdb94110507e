/**
 * The Pismo error object: `{error_code, message}`. Network failures answer as the contract's examples do:
 * 500 "Fail on send event" for a timeout or network error, 400 ERR4021 when the network refused.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, InvalidInput, NetworkFailure, NotFound, type FieldErrors } from '../errors.js';
import { ERR } from '../issuer/error-codes.js';
import { requestProblem } from './verifone-envelope.js';
import { validationDetails } from './validation.js';

export interface PismoError {
  error_code: string;
  message: string;
}

const describeFields = (fields: FieldErrors) =>
  Object.entries(fields)
    .map(([field, problem]) => `${field} ${problem}`)
    .join('; ');

export function pismoErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const [status, body] = toPismo(error);
  if (status === 500 && !(error instanceof NetworkFailure)) request.log.error({ err: error }, 'unexpected error');
  if (error instanceof NetworkFailure) request.log.warn({ mode: error.mode, reason: error.message }, 'network did not acknowledge');
  return reply.status(status).send(body);
}

function toPismo(error: FastifyError | Error): [number, PismoError] {
  if (error instanceof InvalidInput) {
    return [400, { error_code: error.code ?? ERR.invalidRequest, message: `Invalid request: ${describeFields(error.fields)}` }];
  }
  if (error instanceof NotFound) {
    return [404, error.what === 'card' ? { error_code: error.code ?? ERR.cardNotFound, message: 'Card not found' } : { error_code: error.code ?? ERR.tokenNotFound, message: 'Token not found' }];
  }
  if (error instanceof NetworkFailure) {
    return error.mode === 'bad_request'
      ? [400, { error_code: ERR.networkBadRequest, message: 'network respond bad request error' }]
      : [500, { error_code: ERR.networkFailure, message: 'Fail on send event' }];
  }
  if (error instanceof DomainError) {
    switch (error.kind) {
      case 'unauthorized':
        return [401, { error_code: ERR.unauthorized, message: 'Access token is missing or invalid' }];
      case 'conflict': {
        // TEMP compat (drop when the Pismo edge lands): the old Conflict(message, code) arguments land in
        // (reason, message) of the new class.
        const { reason } = error as DomainError & { reason: string };
        if (/^ERR[0-9]{4}$/.test(error.message)) return [400, { error_code: error.message, message: reason }];
        return [400, { error_code: (error as DomainError & { code?: string }).code ?? ERR.illegalTransition, message: error.message }];
      }
      default:
        return [500, { error_code: ERR.internal, message: 'Internal server error' }];
    }
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return [400, { error_code: ERR.invalidRequest, message: `Invalid request: ${describeFields(validationDetails(fastifyError))}` }];
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return [400, { error_code: ERR.invalidRequest, message: `Invalid request: body ${requestProblem(fastifyError)}` }];
  return [500, { error_code: ERR.internal, message: 'Internal server error' }];
}
