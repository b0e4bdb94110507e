/** PostgreSQL SQLSTATE codes (and pg's transport failures) the store maps to engine-neutral meanings. */
export const UNIQUE_VIOLATION = '23505';
/** What PostgreSQL (SERIALIZABLE), CockroachDB and YugabyteDB answer when a transaction must be retried. */
export const SERIALIZATION_FAILURE = '40001';
export const DEADLOCK_DETECTED = '40P01';

/**
 * The server is away or the connection to it broke: class 08 (connection exception), an administrator or a crash
 * ending the backend (57P01 `pg_terminate_backend`, 57P02, 57P03 "starting up"), too many connections (53300).
 */
const SERVER_AWAY = /^(08...|57P0[123]|53300)$/;
/** Socket errors of the driver: nothing listens, the peer reset, the address does not resolve. */
const SOCKET_AWAY = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's own words for a connection that ended or could not be made in time (it gives these no code). */
const DRIVER_AWAY =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable/i;

const codeOf = (error: unknown): unknown => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);

export function isPostgresUniqueViolation(code: unknown): boolean {
  return code === UNIQUE_VIOLATION;
}

export function isSerializationFailure(error: unknown): boolean {
  return codeOf(error) === SERIALIZATION_FAILURE;
}

/** The transaction was rolled back by the server because of concurrent ones: running it again is the remedy. */
export function isRetryableTransactionConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
}

/** Why PostgreSQL cannot be used right now, or undefined when the error is not about reaching it (a real bug). */
export function postgresAwayCause(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = codeOf(error);
  if (typeof code === 'string' && SERVER_AWAY.test(code)) {
    return code.startsWith('57P') ? 'the database server ended the connection (restart or terminated backend)' : 'the database connection failed';
  }
  if (typeof code === 'string' && SOCKET_AWAY.has(code)) return `the database server is not reachable (${code})`;
  // AggregateError of a dual-stack connect attempt: every address refused.
  if (error instanceof AggregateError && error.errors.some((inner) => postgresAwayCause(inner) !== undefined)) return 'the database server is not reachable';
  if (DRIVER_AWAY.test(error.message)) return 'the database connection was lost';
  return undefined;
}
