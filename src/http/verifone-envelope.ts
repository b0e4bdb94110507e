/**
 * The Verifone error envelope: `{code, message, details, timestamp, reversal_status}` with the contract's fixed
 * messages. `details` names each invalid parameter prefixed `body.`, `query.` or `params.`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type FieldErrors } from '../errors.js';
import { validationDetails } from './validation.js';

const MESSAGES = {
  400: 'At least one parameter is invalid. Examine the details property for more information. Invalid parameters are listed and prefixed accordingly: body for parameters submitted in the requests body, query for parameters appended to the requests URL, and params for templated parameters of the requests URL.',
  401: "Access is restricted to authenticated users only. The query can't be made without a valid JWT token (check the Authorization header of your request).",
  403: "Insufficient permissions. Your current user roles don't allow you to perform this query. Should you believe this error to be incorrect, please contact an administrator.",
  404: "The requested resource, or one of its sub-resources, can't be found. If the submitted query is valid, this error is likely to be caused by a problem with a nested resource that has been deleted or modified. Check the details property for additional insights.",
  500: 'Unexpected error: if the error persists, please contact an administrator, quoting the code and timestamp of this error',
} as const;

type Status = keyof typeof MESSAGES;

export interface VerifoneError {
  code: Status;
  message: string;
  details: Record<string, { message: string }>;
  timestamp: number;
  reversal_status: 'NONE';
}

export function verifoneError(code: Status, fields: FieldErrors = {}): VerifoneError {
  const details: Record<string, { message: string }> = {};
  for (const [field, message] of Object.entries(fields)) details[field] = { message };
  return { code, message: MESSAGES[code], details, timestamp: Date.now(), reversal_status: 'NONE' };
}

/** Maps anything thrown below the Verifone edge to its envelope. Internal details are logged, never returned. */
export function verifoneErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const body = toVerifone(error);
  if (body.code === 500) request.log.error({ err: error }, 'unexpected error');
  return reply.status(body.code).send(body);
}

function toVerifone(error: FastifyError | Error): VerifoneError {
  if (error instanceof DomainError) {
    switch (error.kind) {
      case 'invalid_input':
        return verifoneError(400, (error as unknown as { fields: FieldErrors }).fields);
      case 'conflict':
        return verifoneError(400, { 'params.id': error.message });
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
  if (fastifyError.validation) return verifoneError(400, validationDetails(fastifyError));
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) return verifoneError(400, { body: requestProblem(fastifyError) });
  return verifoneError(500);
}

/** Fastify's own 4xx (bad JSON, wrong content type, too large) in words a client can act on. */
export function requestProblem(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'must be sent as application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'is too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'is required';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    default:
      return error.statusCode === 400 && /JSON/i.test(error.message) ? 'is not valid JSON' : 'could not be read';
  }
}
