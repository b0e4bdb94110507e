/** Recognises engine errors the domain must react to, across SQLite and PostgreSQL (each engine maps its codes). */
import { isPostgresUniqueViolation } from './postgres/errors.js';
import { isSqliteUniqueViolation } from './sqlite/errors.js';

export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return isPostgresUniqueViolation(code) || isSqliteUniqueViolation(code);
}
