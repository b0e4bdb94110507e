/**
 * Errors of our own admin API (openapi/admin.openapi.json): `{error_code, message, details?}`. Domain errors name
 * their inputs by domain path (`name`, `algorithm`, `cardholderName`); here they become the contract's
 * `body.<snake_case>` details, exactly as the API has always answered.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, InvalidInput, type NetworkFailure, NotFound, RateLimited, Unavailable, type FieldIssue } from '../../errors.js';
import { NoSuchRoute } from '../../http/edges.js';
import { requestProblem } from '../../http/request-problem.js';
import { validationDetails } from '../../http/validation.js';
import type { components } from '../../contracts/admin.js';

export type AdminError = components['schemas']['Error'];

const snake = (segment: string) => segment.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * `cardholderName` → `body.cardholder_name`, `a.bB` → `body.a.b_b`. Every admin input a domain names is a body
 * field (path parameters are checked by the route schemas), unless it says where it came from: list cursors and
 * filters arrive in the query string (`query.cursor`, `query.from`) and are named so by the code that reads them.
 */
export function adminField(field: string): string {
  if (/^(body|params|query)\./.test(field)) return field;
  return `body.${field.split('.').map(snake).join('.')}`;
}

/** The `details` of an invalid request: one message per field, the first issue of a field winning. */
export function adminDetails(issues: readonly FieldIssue[]): Record<string, string> {
  const details: Record<string, string> = {};
  for (const issue of issues) {
    const path = adminField(issue.field);
    if (!(path in details)) details[path] = issue.message;
  }
  return details;
}

/** `api_key` → `api key not found`: the wording the API has always used. */
const notFoundMessage = (error: NotFound) => `${error.what.replace(/_/g, ' ')} not found`;

export function adminErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const [status, body] = toAdmin(error);
  if (status === 500) request.log.error({ err: error }, 'unexpected error');
  return reply.status(status).send(body);
}

function toAdmin(error: FastifyError | Error): [number, AdminError] {
  // Answers of the edge itself (edges.ts sets Retry-After and Allow).
  if (error instanceof RateLimited) return [429, { error_code: 'rate_limited', message: `too many requests: retry after ${error.retryAfterSeconds} s` }];
  // Operators read the admin API: the cause is theirs to fix ("the database file is read-only"), never data.
  if (error instanceof Unavailable) return [503, { error_code: 'unavailable', message: `${error.dependency} unavailable: ${error.message}` }];
  if (error instanceof NoSuchRoute) {
    return error.allowed.length > 0
      ? [405, { error_code: 'method_not_allowed', message: `method not allowed (allowed: ${error.allowed.join(', ')})` }]
      : [404, { error_code: 'not_found', message: 'no such route' }];
  }
  if (error instanceof InvalidInput) return [400, { error_code: 'invalid_request', message: 'invalid parameters', details: adminDetails(error.issues) }];
  if (error instanceof NotFound) return [404, { error_code: 'not_found', message: notFoundMessage(error) }];
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
