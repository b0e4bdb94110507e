/**
 * Keyset pagination shared by the domains' list operations: a page asks for at most `limit` items after the key
 * of the last item seen (`after`), and answers the key to continue from when there is more. Keys are the rows'
 * primary keys, so a page never repeats or skips a row that existed when the listing began, however many are added.
 */
export interface PageRequest {
  limit: number;
  /** The key of the last item of the previous page; absent for the first page. */
  after?: string;
}

export interface Page<T> {
  items: T[];
  /** The key to pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** `rows` fetched with `limit + 1`: the extra row only tells that another page exists. */
export function pageOf<Row, T>(rows: readonly Row[], limit: number, keyOf: (row: Row) => string, view: (row: Row) => T): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return { items: shown.map(view), ...(rows.length > limit && last !== undefined ? { next: keyOf(last) } : {}) };
}
