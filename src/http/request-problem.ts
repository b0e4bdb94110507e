/**
 * Fastify's own 4xx (bad JSON, wrong content type, too large) in words a client can act on. Shared by every
 * edge's envelope (it was in the Verifone envelope, which moved to src/api/verifone/).
 */
import type { FastifyError } from 'fastify';

export function requestProblem(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'must be sent as application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'is too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'is required';
    default:
      return error.statusCode === 400 && /JSON/i.test(error.message) ? 'is not valid JSON' : 'could not be read';
  }
}
