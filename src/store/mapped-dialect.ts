/**
 * A Kysely dialect whose driver translates engine errors before anyone sees them: every query, begin, commit and
 * connection acquisition goes through `mapError`, so a database that is away reaches the domain as one neutral
 * `Unavailable` error whatever ran the query (a read on the module handle, a write in a transaction, a migration).
 *
 * Two more things only a driver can do:
 * - a failed ROLLBACK never hides the error that caused it. SQLite rolls a transaction back by itself after
 *   SQLITE_FULL or an I/O error, and Kysely would otherwise throw "cannot rollback - no transaction is active"
 *   in place of the cause; a PostgreSQL connection that broke cannot roll back either (the server already did).
 * - `begin` may be replaced (SQLite: BEGIN IMMEDIATE, see sqlite/open.ts).
 */
import { CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type QueryCompiler, type QueryResult, type TransactionSettings } from 'kysely';

export interface MappedDialectOptions {
  /** What the caller should see instead of `error` (the error itself when it is not the store's concern). */
  mapError(error: unknown): unknown;
  /** SQL run in place of the engine's own `begin`. */
  beginSql?: string;
}

class MappedConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly mapError: (error: unknown) => unknown,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw this.mapError(error);
    }
  }
}

function mappedDriver(inner: Driver, options: MappedDialectOptions): Driver {
  const { mapError } = options;
  const unwrap = (connection: DatabaseConnection) => (connection instanceof MappedConnection ? connection.inner : connection);
  const mapped = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw mapError(error);
    }
  };
  const compiled = (compileQuery: QueryCompiler['compileQuery']) => compileQuery;
  return {
    init: () => mapped(() => inner.init()),
    acquireConnection: () => mapped(async () => new MappedConnection(await inner.acquireConnection(), mapError)),
    beginTransaction: (connection: DatabaseConnection, settings: TransactionSettings) =>
      mapped(() =>
        options.beginSql
          ? unwrap(connection)
              .executeQuery(CompiledQuery.raw(options.beginSql))
              .then(() => undefined)
          : inner.beginTransaction(unwrap(connection), settings),
      ),
    commitTransaction: (connection) => mapped(() => inner.commitTransaction(unwrap(connection))),
    // The error that made the caller roll back is the one that matters (see the header).
    rollbackTransaction: (connection) => inner.rollbackTransaction(unwrap(connection)).catch(() => undefined),
    ...(inner.savepoint
      ? { savepoint: (connection, name, compileQuery) => mapped(() => inner.savepoint!(unwrap(connection), name, compiled(compileQuery))) }
      : {}),
    ...(inner.rollbackToSavepoint
      ? { rollbackToSavepoint: (connection, name, compileQuery) => mapped(() => inner.rollbackToSavepoint!(unwrap(connection), name, compiled(compileQuery))) }
      : {}),
    ...(inner.releaseSavepoint
      ? { releaseSavepoint: (connection, name, compileQuery) => mapped(() => inner.releaseSavepoint!(unwrap(connection), name, compiled(compileQuery))) }
      : {}),
    releaseConnection: (connection) => inner.releaseConnection(unwrap(connection)),
    destroy: () => inner.destroy(),
  };
}

/** `dialect` with its driver's errors mapped as the header says. */
export function withMappedErrors(dialect: Dialect, options: MappedDialectOptions): Dialect {
  return {
    createDriver: () => mappedDriver(dialect.createDriver(), options),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
