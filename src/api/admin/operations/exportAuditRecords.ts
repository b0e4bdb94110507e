/**
 * GET /admin/v1/audit-records/export: the matching audit records as JSON lines (`application/x-ndjson`), streamed
 * page by page from the database, so an export of any size holds one page in memory.
 */
import { Readable } from 'node:stream';
import type { Operation } from '../../../http/operations.js';
import { auditFilter, auditFilterProperties } from '../audit-filter.js';
import type { AdminApiDeps, QueryOf } from '../types.js';

export function exportAuditRecords(deps: Pick<AdminApiDeps, 'audit'>): Operation<{ Querystring: QueryOf<'exportAuditRecords'> }> {
  return {
    operationId: 'exportAuditRecords',
    schema: { querystring: { type: 'object', additionalProperties: false, properties: auditFilterProperties } },
    handler: async (request, reply) => {
      // Checked before the first byte: a bad filter is still a 400 in the admin envelope.
      const records = deps.audit.export(auditFilter(request.query));
      const lines = async function* () {
        for await (const record of records) yield `${JSON.stringify(record)}\n`;
      };
      return reply.type('application/x-ndjson').send(Readable.from(lines()));
    },
  };
}
