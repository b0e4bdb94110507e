/**
 * Whether the engine behind a Kysely handle locks rows with `SELECT … FOR UPDATE`. PostgreSQL does (and needs it:
 * several instances write one database). SQLite has no such clause and needs none: its transactions begin
 * IMMEDIATE (sqlite/open.ts), so the one writer already holds the whole database.
 */
import { type Kysely, SqliteAdapter } from 'kysely';

export function locksRows(db: Kysely<unknown>): boolean {
  return !(db.getExecutor().adapter instanceof SqliteAdapter);
}
