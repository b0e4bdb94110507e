/** GET /admin/v1/audit-records: the audit trail filtered by owner, object, action and time, oldest first, by cursor. */
import type { Operation } from '../../../http/operations.js';
import { auditFilter, auditFilterProperties } from '../audit-filter.js';
import type { AdminApiDeps, QueryOf, Schemas } from '../types.js';

// The admin edge coerces no types: `limit` arrives as digits (the document's pattern), read here as a number.
const DEFAULT_LIMIT = 100;

export function listAuditRecords(deps: Pick<AdminApiDeps, 'audit'>): Operation<{ Querystring: QueryOf<'listAuditRecords'> }> {
  return {
    operationId: 'listAuditRecords',
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...auditFilterProperties,
          cursor: { type: 'string', minLength: 1, maxLength: 400 },
          limit: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$' },
        },
      },
    },
    handler: async (request): Promise<Schemas['AuditRecordList']> =>
      deps.audit.list(auditFilter(request.query), request.query.cursor, request.query.limit === undefined ? DEFAULT_LIMIT : Number(request.query.limit)),
  };
}
