/**
 * Errors of our own admin API (openapi/admin.openapi.json): `{error_code, message, details?}`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, InvalidInput, NetworkFailure, NotFound } from '../errors.js';
import { requestProblem } from './request-problem.js';
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
  // TEMP compat (issue 7, issuer worktree): domain field → `body.<snake_case>` until the admin edge owner maps it.
  if (error instanceof InvalidInput) {
    const details: Record<string, string> = {};
    for (const issue of error.issues as readonly unknown[] as readonly Record<string, string>[]) {
      // Callers not migrated yet still pass the old `{ 'body.x': message }` map as the issue.
      if (typeof issue.field !== 'string' || typeof issue.message !== 'string') Object.assign(details, issue);
      else details[`body.${issue.field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`] ??= issue.message;
    }
    return [400, { error_code: 'invalid_request', message: 'invalid parameters', details }];
  }
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
