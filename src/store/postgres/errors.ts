/** PostgreSQL SQLSTATE codes the store maps to engine-neutral meanings. */
export const UNIQUE_VIOLATION = '23505';
/** What PostgreSQL (SERIALIZABLE), CockroachDB and YugabyteDB answer when a transaction must be retried. */
export const SERIALIZATION_FAILURE = '40001';

const codeOf = (error: unknown): unknown => (typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined);

export function isPostgresUniqueViolation(code: unknown): boolean {
  return code === UNIQUE_VIOLATION;
}

export function isSerializationFailure(error: unknown): boolean {
  return codeOf(error) === SERIALIZATION_FAILURE;
}
