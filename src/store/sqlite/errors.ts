/** better-sqlite3's error codes the store maps to engine-neutral meanings. */
const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export function isSqliteUniqueViolation(code: unknown): boolean {
  return typeof code === 'string' && UNIQUE_CODES.has(code);
}
