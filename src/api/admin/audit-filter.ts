/** The audit-record filters of the admin API (query string), as Fastify validates them and as the ledger takes them. */
import type { AuditFilter } from '../../ledger/audit-query.js';

const text = { type: 'string', minLength: 1, maxLength: 100 } as const;

export const auditFilterProperties = {
  owner: text,
  object_id: text,
  action: text,
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
} as const;

export interface AuditFilterQuery {
  owner?: string;
  object_id?: string;
  action?: string;
  from?: string;
  to?: string;
}

export function auditFilter(query: AuditFilterQuery): AuditFilter {
  return {
    ...(query.owner !== undefined ? { owner: query.owner } : {}),
    ...(query.object_id !== undefined ? { objectId: query.object_id } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
  };
}
