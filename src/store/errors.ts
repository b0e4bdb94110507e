/**
 * Recognises engine errors the domain must react to, across SQLite and PostgreSQL (each engine maps its codes).
 * A database that is away (connection lost, server restarting, file read-only, disk full, lock held elsewhere) is
 * turned into the neutral `Unavailable` error by the store itself (mapped-dialect.ts), so every caller, whatever
 * query it ran, sees the same error and every edge answers it 503; anything else is left as it is (a bug).
 */
import { Unavailable } from '../errors.js';
import { isPostgresUniqueViolation, postgresAwayCause } from './postgres/errors.js';
import { isSqliteUniqueViolation, sqliteAwayCause } from './sqlite/errors.js';

export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return isPostgresUniqueViolation(code) || isSqliteUniqueViolation(code);
}

/** The engine error as `Unavailable('database')` when it means the database is away, else undefined. */
export function asDatabaseUnavailable(error: unknown): Unavailable | undefined {
  if (error instanceof Unavailable) return error;
  const cause = sqliteAwayCause(error) ?? postgresAwayCause(error);
  return cause === undefined ? undefined : new Unavailable('database', cause, 1, { cause: error });
}

/** Whether `error` is the store saying the database is away (as opposed to a bug or a domain refusal). */
export function isDatabaseUnavailable(error: unknown): error is Unavailable {
  return error instanceof Unavailable && error.dependency === 'database';
}
