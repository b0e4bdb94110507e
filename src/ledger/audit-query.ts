/**
 * Reading the audit trail: filtered pages in time order with an opaque cursor (the position of the last record
 * given), and the same records as a stream of pages for an export of any size.
 */
import { InvalidInput, IssueList } from '../errors.js';
import { type AuditFilter, type AuditRow, auditRecordsPage, type ReadDb } from './dal.js';

export type { AuditFilter } from './dal.js';

export interface AuditRecordView {
  id: string;
  owner: string;
  sequence: number;
  at: string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  status_before: string | null;
  status_after: string | null;
  reason: string | null;
  detail: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

export interface AuditQuery {
  list(filter: AuditFilter, cursor: string | undefined, limit: number): Promise<{ records: AuditRecordView[]; next_cursor: string | null }>;
  /** Every matching record, page by page. The filter is checked at once (before anything is streamed). */
  export(filter: AuditFilter): AsyncGenerator<AuditRecordView>;
}

const EXPORT_PAGE = 500;

const view = (row: AuditRow): AuditRecordView => ({ ...row, detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null });

const encodeCursor = (row: AuditRow) => Buffer.from(JSON.stringify([row.at, row.id])).toString('base64url');

function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { at: value[0], id: value[1] };
  } catch {
    // reported below
  }
  throw new InvalidInput({ field: 'query.cursor', reason: 'invalid', message: 'is not a cursor this API gave' });
}

/** Times are compared as the stored ISO-8601 UTC text: a filter is normalized to the same form. */
function normalized(filter: AuditFilter): AuditFilter {
  const issues = new IssueList();
  const time = (field: 'from' | 'to') => {
    const raw = filter[field];
    if (raw === undefined) return undefined;
    const parsed = new Date(raw);
    if (Number.isNaN(parsed.getTime())) {
      issues.add(`query.${field}`, 'invalid', 'must be an ISO-8601 date-time');
      return undefined;
    }
    return parsed.toISOString();
  };
  const from = time('from');
  const to = time('to');
  if (from !== undefined && to !== undefined && from > to) issues.add('query.to', 'invalid', 'must not be before from');
  issues.throwIfAny();
  return { ...filter, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

export function createAuditQuery(db: ReadDb): AuditQuery {
  return {
    async list(filter, cursor, limit) {
      const where = normalized(filter);
      const rows = await auditRecordsPage(db, where, cursor === undefined ? undefined : decodeCursor(cursor), limit + 1);
      const page = rows.slice(0, limit);
      return { records: page.map(view), next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null };
    },
    export(filter) {
      return records(normalized(filter));
    },
  };

  async function* records(where: AuditFilter): AsyncGenerator<AuditRecordView> {
    let after: { at: string; id: string } | undefined;
    for (;;) {
      const rows = await auditRecordsPage(db, where, after, EXPORT_PAGE);
      for (const row of rows) yield view(row);
      if (rows.length < EXPORT_PAGE) return;
      const last = rows[rows.length - 1]!;
      after = { at: last.at, id: last.id };
    }
  }
}
