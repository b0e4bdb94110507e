/**
 * Errors of our own admin API (openapi/admin.openapi.json): `{error_code, message, details?}`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, InvalidInput, NetworkFailure, NotFound } from '../errors.js';
import { requestProblem } from './verifone-envelope.js';
import { validationDetails } from './validation.js';

export interface AdminError {
  error_code: 'invalid_request' | 'unauthorized' | 'not_found' | 'conflict' | 'declined' | 'network_error' | 'internal_error';
  message: string;
  details?: Record<string, string>;
}

export function adminErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const [status, body] = toAdmin(error);
  if (status === 500) request.log.error({ err: error }, 'unexpected error');
  return reply.status(status).send(body);
}

function toAdmin(error: FastifyError | Error): [number, AdminError] {
  if (error instanceof InvalidInput) return [400, { error_code: 'invalid_request', message: 'invalid parameters', details: error.fields }];
  if (error instanceof NotFound) return [404, { error_code: 'not_found', message: error.message }];
  if (error instanceof DomainError) {
    switch (error.kind) {
      case 'unauthorized':
        return [401, { error_code: 'unauthorized', message: 'a valid admin token is required (Authorization: Bearer …)' }];
      case 'conflict':
        return [409, { error_code: 'conflict', message: error.message }];
      case 'declined':
        return [422, { error_code: 'declined', message: error.message }];
      case 'network_failure':
        // The network refusing a sandbox request is the request's fault; a timeout or 5xx is the network's.
        return (error as NetworkFailure).mode === 'bad_request'
          ? [400, { error_code: 'invalid_request', message: `the network refused: ${error.message}` }]
          : [502, { error_code: 'network_error', message: error.message }];
      default:
        return [500, { error_code: 'internal_error', message: 'unexpected error' }];
    }
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return [400, { error_code: 'invalid_request', message: 'invalid parameters', details: validationDetails(fastifyError) }];
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return [400, { error_code: 'invalid_request', message: 'invalid request', details: { body: requestProblem(fastifyError) } }];
  }
  return [500, { error_code: 'internal_error', message: 'unexpected error' }];
}
