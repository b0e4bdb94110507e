/**
 * The Verifone error envelope: `{code, message, details, timestamp, reversal_status}` with the contract's fixed
 * messages. `details` names each invalid parameter prefixed `body.`, `query.` or `params.`: domain errors name
 * domain fields, which fields.ts translates.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Conflict, DomainError, InvalidInput, RateLimited, Unavailable } from '../../errors.js';
import { NoSuchRoute } from '../../http/edges.js';
import { validationDetails } from '../../http/validation.js';
import { requestProblem } from '../../http/request-problem.js';
import { verifonePath } from './fields.js';

const MESSAGES = {
  400: 'At least one parameter is invalid. Examine the details property for more information. Invalid parameters are listed and prefixed accordingly: body for parameters submitted in the requests body, query for parameters appended to the requests URL, and params for templated parameters of the requests URL.',
  401: "Access is restricted to authenticated users only. The query can't be made without a valid JWT token (check the Authorization header of your request).",
  403: "Insufficient permissions. Your current user roles don't allow you to perform this query. Should you believe this error to be incorrect, please contact an administrator.",
  404: "The requested resource, or one of its sub-resources, can't be found. If the submitted query is valid, this error is likely to be caused by a problem with a nested resource that has been deleted or modified. Check the details property for additional insights.",
  405: 'The requested method is not supported by this resource. The methods it supports are listed in the Allow header of the response.',
  429: 'Too many requests. The number of requests allowed for your credentials or your address has been exceeded: wait for the number of seconds given in the Retry-After header of the response before trying again.',
  500: 'Unexpected error: if the error persists, please contact an administrator, quoting the code and timestamp of this error',
  503: 'Service temporarily unavailable. A dependency of the service (its database) cannot be reached right now: retry after the number of seconds given in the Retry-After header of the response.',
} as const;

type Status = keyof typeof MESSAGES;

/** Human messages by Verifone parameter path (`body.token_scope`), in the order they are to be listed. */
export type VerifoneDetails = Record<string, string>;

export interface VerifoneError {
  code: Status;
  message: string;
  details: Record<string, { message: string }>;
  timestamp: number;
  reversal_status: 'NONE';
}

export function verifoneError(code: Status, fields: VerifoneDetails = {}): VerifoneError {
  const details: Record<string, { message: string }> = {};
  for (const [field, message] of Object.entries(fields)) details[field] = { message };
  // The envelope's timestamp is wall-clock time of the answer (an edge concern, not a domain decision).
  return { code, message: MESSAGES[code], details, timestamp: Date.now(), reversal_status: 'NONE' };
}

/** Maps anything thrown below the Verifone edge to its envelope. Internal details are logged, never returned. */
export function verifoneErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const body = toVerifone(error);
  if (body.code === 500) request.log.error({ err: error }, 'unexpected error');
  return reply.status(body.code).send(body);
}

function toVerifone(error: FastifyError | Error): VerifoneError {
  // Answers of the edge itself (edges.ts sets Retry-After and Allow).
  if (error instanceof RateLimited) return verifoneError(429);
  // The contract's 5xx envelope, with the status of what happened: a 503 the client may retry (Retry-After).
  if (error instanceof Unavailable) return verifoneError(503);
  if (error instanceof NoSuchRoute) return error.allowed.length > 0 ? verifoneError(405) : verifoneError(404, { path: 'no such operation' });
  if (error instanceof DomainError) {
    if (error instanceof InvalidInput) {
      const details: VerifoneDetails = {};
      for (const issue of error.issues) {
        const path = verifonePath(issue.field);
        if (!Object.hasOwn(details, path)) details[path] = issue.message;
      }
      return verifoneError(400, details);
    }
    // The contract has no 409: a state conflict is a 400 naming the input it is about (the token by default).
    if (error instanceof Conflict) return verifoneError(400, { [verifonePath(error.field ?? 'id')]: error.message });
    switch (error.kind) {
      case 'unauthorized':
        return verifoneError(401);
      case 'forbidden':
        return verifoneError(403);
      case 'not_found':
        return verifoneError(404, { 'params.id': 'no such token' });
      default:
        return verifoneError(500);
    }
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return verifoneError(400, validationDetails(fastifyError) as VerifoneDetails);
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return verifoneError(400, { body: requestProblem(fastifyError) });
  return verifoneError(500);
}
