/**
 * The embedded engine: Kysely over better-sqlite3, one connection, durable commits, prepared statements kept.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Database } from '../schema.js';
import type { Transact } from '../transactions.js';
import { withFastRows } from './rows.js';
import { groupCommitTransact } from './transact.js';
import { PRIVATE_DIR_MODE, restrictSqliteFiles, withPrivateUmask } from '../../private-files.js';

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh; preparing costs more than running a small query. The application issues a
 * few dozen distinct SQL strings, so their prepared statements are kept (better-sqlite3 is synchronous, so one
 * statement object is never used by two queries at once). Their result rows are built as rows.ts says.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        statement = withFastRows(database.prepare(text));
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

export function openSqlite(path: string): { db: Kysely<Database>; transact: Transact } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  // Card data lives in these files: they are born 0600 (and older ones narrowed to it).
  const database = withPrivateUmask(() => {
    const opened = new SQLite(path);
    opened.pragma('journal_mode = WAL');
    return opened;
  });
  restrictSqliteFiles(path);
  // FULL: a commit is on disk before we answer, even across power loss (NORMAL would only survive a crash).
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return { db, transact: groupCommitTransact(db) };
}
