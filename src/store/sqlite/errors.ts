/** better-sqlite3's error codes the store maps to engine-neutral meanings. */
const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export function isSqliteUniqueViolation(code: unknown): boolean {
  return typeof code === 'string' && UNIQUE_CODES.has(code);
}

const codeOf = (error: unknown): string | undefined => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
};

/** Another connection (another process) holds the write lock: waiting and trying again is the remedy. */
export function isSqliteBusy(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The connection can no longer write (the file was read-only when opened): only a fresh connection recovers. */
export function isSqliteReadOnly(error: unknown): boolean {
  return codeOf(error)?.startsWith('SQLITE_READONLY') ?? false;
}

/**
 * Why the database file cannot be used right now, in an operator's words, or undefined when the error is not
 * about the file (a constraint, a bug). These are conditions outside the program that go away when fixed.
 */
export function sqliteAwayCause(error: unknown): string | undefined {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  if (code.startsWith('SQLITE_READONLY')) return 'the database file is read-only';
  if (code.startsWith('SQLITE_FULL')) return 'the disk (or the database size limit) is full';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'the database is locked by another process';
  if (code.startsWith('SQLITE_IOERR')) return 'the disk failed to read or write the database file';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'the database file cannot be opened';
  if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) return 'the database file may not be accessed';
  return undefined;
}
