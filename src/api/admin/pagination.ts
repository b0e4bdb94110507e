/**
 * The admin lists' pages over HTTP: `?limit=&cursor=` in, `{items, next_cursor}` out. A cursor is the domain's page
 * key (pages.ts) in base64url, opaque to callers so that its form may change without breaking them.
 */
import { InvalidInput } from '../../errors.js';
import type { Page, PageRequest } from '../../pages.js';

export const DEFAULT_LIMIT = 20;

/** The querystring schema of every list operation (the document's `limit` and `cursor` parameters). */
export const pageQuery = {
  type: 'object',
  properties: {
    // Query values arrive as text (the server does not coerce types): 1 to 100.
    limit: { type: 'string', pattern: '^(100|[1-9][0-9]?)$' },
    cursor: { type: 'string', maxLength: 200 },
  },
} as const;

export interface PageQuery {
  limit?: string;
  cursor?: string;
}

const refused = () => new InvalidInput({ field: 'query.cursor', reason: 'invalid', message: 'is not a cursor of this list' });

export function pageRequest(query: PageQuery): PageRequest {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (query.cursor === undefined) return { limit };
  if (!/^[A-Za-z0-9_-]+$/.test(query.cursor)) throw refused();
  const after = Buffer.from(query.cursor, 'base64url').toString('utf8');
  if (!after || Buffer.from(after, 'utf8').toString('base64url') !== query.cursor) throw refused();
  return { limit, after };
}

export function pageAnswer<T>(page: Page<T>): { items: T[]; next_cursor: string | null } {
  return { items: page.items, next_cursor: page.next === undefined ? null : Buffer.from(page.next, 'utf8').toString('base64url') };
}
