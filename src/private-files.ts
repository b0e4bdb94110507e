/**
 * Data files readable by their owner only (0600). The development secrets are written with that mode; the SQLite
 * database, its write-ahead log and shared-memory index are created by SQLite itself, so:
 *
 * - `withPrivateUmask(open)` runs a SYNCHRONOUS open (better-sqlite3's constructor and its `journal_mode = WAL`
 *   pragma) under umask 077, so the files are born 0600 and there is no window in which they are world-readable.
 *   The umask is process-wide, but no other JavaScript runs during a synchronous call, and files other threads
 *   create meanwhile can only come out narrower, never wider.
 * - `restrictSqliteFiles(path)` then chmods the database, `-wal` and `-shm` to 0600: it fixes files created
 *   before this rule existed. SQLite creates later `-wal` / `-shm` files with the database file's own mode,
 *   so once the database is 0600 they are too.
 */
import { chmodSync, existsSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export function withPrivateUmask<T>(open: () => T): T {
  // Workers may not change the umask; the store is opened on the main thread.
  if (!isMainThread) return open();
  const previous = process.umask(0o077);
  try {
    return open();
  } finally {
    process.umask(previous);
  }
}

/** The files of a SQLite database at `path` (none for `:memory:`). */
export function sqliteFiles(path: string): string[] {
  return path === ':memory:' || path === '' ? [] : [path, `${path}-wal`, `${path}-shm`, `${path}-journal`];
}

export function restrictSqliteFiles(path: string): void {
  for (const file of sqliteFiles(path)) {
    if (existsSync(file)) chmodSync(file, PRIVATE_FILE_MODE);
  }
}
