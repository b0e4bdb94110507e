/**
 * The embedded engine: Kysely over better-sqlite3, one connection, durable commits, prepared statements kept.
 *
 * better-sqlite3 is synchronous: while SQLite waits for a lock held by another process, the whole event loop
 * waits with it (health checks included). So its busy timeout is kept to a few milliseconds, one statement's
 * worth, and a transaction that finds the database locked is retried asynchronously (transact.ts). Transactions
 * begin IMMEDIATE: the write lock is taken at BEGIN, before any unit of work ran, so "locked" can only happen
 * where retrying is safe.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Metrics } from '../../metrics.js';
import { asDatabaseUnavailable } from '../errors.js';
import { withMappedErrors } from '../mapped-dialect.js';
import type { Database } from '../schema.js';
import type { Transact } from '../transactions.js';
import { isSqliteReadOnly } from './errors.js';
import { withFastRows } from './rows.js';
import { groupCommitTransact } from './transact.js';
import { PRIVATE_DIR_MODE, restrictSqliteFiles, withPrivateUmask } from '../../private-files.js';

const STATEMENT_CACHE_SIZE = 256;
/** Milliseconds one statement may block the event loop waiting for another process's lock. */
export const BUSY_TIMEOUT_MS = 20;

/** The one connection, replaceable: a connection opened read-only stays read-only until it is opened again. */
export interface SqliteConnectionHandle {
  /** Kysely's view of the connection (stable across reopens). */
  readonly database: SqliteDatabase;
  /** Set when a statement failed because the connection cannot write; cleared by `reopenIfStale`. */
  readonly stale: boolean;
  markStale(): void;
  /** Opens the file again if the connection is stale. Call only between transactions. */
  reopenIfStale(): void;
}

function connect(path: string): SQLite.Database {
  // Card data lives in these files: they are born 0600 (and older ones narrowed to it).
  const database = withPrivateUmask(() => {
    const opened = new SQLite(path, { timeout: BUSY_TIMEOUT_MS });
    opened.pragma('journal_mode = WAL');
    return opened;
  });
  try {
    restrictSqliteFiles(path);
  } catch (error) {
    // A file this process may not change (read-only, immutable, a read-only mount) keeps its mode: the connection
    // is then read-only too, and writes answer Unavailable until the file is writable again (see reopenIfStale).
    const code = (error as { code?: unknown }).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'EROFS') throw error;
  }
  // FULL: a commit is on disk before we answer, even across power loss (NORMAL would only survive a crash).
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  return database;
}

/**
 * Kysely prepares every query afresh; preparing costs more than running a small query. The application issues a
 * few dozen distinct SQL strings, so their prepared statements are kept (better-sqlite3 is synchronous, so one
 * statement object is never used by two queries at once). Their result rows are built as rows.ts says.
 */
function connectionHandle(path: string): SqliteConnectionHandle {
  let current = connect(path);
  let stale = false;
  const statements = new Map<string, SqliteStatement>();
  return {
    database: {
      close: () => current.close(),
      prepare(text: string) {
        let statement = statements.get(text);
        if (!statement) {
          statement = withFastRows(current.prepare(text));
          if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
          statements.set(text, statement);
        }
        return statement;
      },
    },
    get stale() {
      return stale;
    },
    markStale() {
      stale = true;
    },
    reopenIfStale() {
      if (!stale) return;
      // Opened first: if the file still cannot be opened, the old connection (good for reads) is kept.
      const next = connect(path);
      current.close();
      current = next;
      statements.clear();
      stale = false;
    },
  };
}

export function openSqlite(path: string, metrics: Metrics): { db: Kysely<Database>; transact: Transact } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  const handle = connectionHandle(path);
  const dialect = withMappedErrors(new SqliteDialect({ database: handle.database }), {
    beginSql: 'begin immediate',
    mapError(error) {
      if (isSqliteReadOnly(error) && path !== ':memory:') handle.markStale();
      return asDatabaseUnavailable(error) ?? error;
    },
  });
  const db = new Kysely<Database>({ dialect });
  return { db, transact: groupCommitTransact(db, { metrics, reopenIfStale: () => handle.reopenIfStale() }) };
}
