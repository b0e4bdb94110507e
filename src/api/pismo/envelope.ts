/**
 * The Pismo error object: `{error_code, message}`. Domain errors arrive with neutral reasons and domain field
 * paths; this edge maps them to its ERR codes (error-codes.ts) and to the contract's field paths
 * (`activationCode` → `body.activation_code`). Network failures answer as the contract's examples do:
 * 500 "Fail on send event" for a timeout or network error, 400 ERR4021 when the network refused.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Conflict, DomainError, InvalidInput, NetworkFailure, NotFound, RateLimited, Unavailable, type ConflictReason, type FieldIssue } from '../../errors.js';
import { NoSuchRoute } from '../../http/edges.js';
import { requestProblem } from '../../http/request-problem.js';
import { validationDetails } from '../../http/validation.js';
import { ERR } from './error-codes.js';

export interface PismoError {
  error_code: string;
  message: string;
}

/** A Pismo body field path for a domain input: `deviceIndex` → `body.device_index`. */
export const pismoField = (field: string) => `body.${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`;

/** Each conflict has its own code, so clients can branch on it. */
const CONFLICT_CODES: Record<ConflictReason, string> = {
  illegal_transition: ERR.illegalTransition,
  not_suspended_by_issuer: ERR.notSuspendedByIssuer,
  unsupported_for_network: ERR.unsupportedForNetwork,
  device_not_bound: ERR.deviceNotBound,
  already_exists: ERR.illegalTransition,
  deleted: ERR.illegalTransition,
  expired: ERR.illegalTransition,
};

/** A missing activation code has its own code; every other invalid input is ERR4000. */
const issueCode = (issues: readonly FieldIssue[]) =>
  issues.some((issue) => issue.field === 'activationCode' && issue.reason === 'required') ? ERR.activationCodeRequired : ERR.invalidRequest;

const describeFields = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([field, problem]) => `${field} ${problem}`)
    .join('; ');

const describeIssues = (issues: readonly FieldIssue[]) => issues.map((issue) => `${pismoField(issue.field)} ${issue.message}`).join('; ');

export function pismoErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const [status, body] = toPismo(error);
  if (status === 500 && !(error instanceof NetworkFailure)) request.log.error({ err: error }, 'unexpected error');
  if (error instanceof NetworkFailure) request.log.warn({ mode: error.mode, reason: error.message }, 'network did not acknowledge');
  return reply.status(status).send(body);
}

function toPismo(error: FastifyError | Error): [number, PismoError] {
  // Answers of the edge itself (edges.ts sets Retry-After and Allow).
  if (error instanceof RateLimited) return [429, { error_code: ERR.rateLimited, message: 'Too many requests' }];
  if (error instanceof Unavailable) return [503, { error_code: ERR.unavailable, message: 'Service temporarily unavailable: retry later' }];
  if (error instanceof NoSuchRoute) {
    return error.allowed.length > 0
      ? [405, { error_code: ERR.methodNotAllowed, message: 'Method not allowed' }]
      : [404, { error_code: ERR.invalidRequest, message: 'No such operation' }];
  }
  if (error instanceof InvalidInput) {
    return [400, { error_code: issueCode(error.issues), message: `Invalid request: ${describeIssues(error.issues)}` }];
  }
  if (error instanceof NotFound) {
    return [
      404,
      error.what === 'card' ? { error_code: ERR.cardNotFound, message: 'Card not found' } : { error_code: ERR.tokenNotFound, message: 'Token not found' },
    ];
  }
  if (error instanceof NetworkFailure) {
    return error.mode === 'bad_request'
      ? [400, { error_code: ERR.networkBadRequest, message: 'network respond bad request error' }]
      : [500, { error_code: ERR.networkFailure, message: 'Fail on send event' }];
  }
  if (error instanceof Conflict) return [400, { error_code: CONFLICT_CODES[error.reason], message: error.message }];
  if (error instanceof DomainError) {
    return error.kind === 'unauthorized'
      ? [401, { error_code: ERR.unauthorized, message: 'Access token is missing or invalid' }]
      : [500, { error_code: ERR.internal, message: 'Internal server error' }];
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return [400, { error_code: ERR.invalidRequest, message: `Invalid request: ${describeFields(validationDetails(fastifyError) as Record<string, string>)}` }];
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return [400, { error_code: ERR.invalidRequest, message: `Invalid request: body ${requestProblem(fastifyError)}` }];
  return [500, { error_code: ERR.internal, message: 'Internal server error' }];
}
