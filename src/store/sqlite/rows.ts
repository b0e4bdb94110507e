/**
 * Faster result rows for better-sqlite3.
 *
 * better-sqlite3 builds each result row by adding the columns one at a time to an empty object, looking every
 * column name up again for every row: for a 22-column card token that is more than half the cost of the whole
 * indexed SELECT. In raw mode it returns plain arrays instead, and a constructor generated once per statement
 * turns each array into the same object (same keys, same order, same values) in one step, with a fixed shape.
 */
import type SQLite from 'better-sqlite3';
import type { SqliteStatement } from 'kysely';

type RowBuilder = (values: unknown[]) => Record<string, unknown>;

/**
 * `{ "col_a": v[0], "col_b": v[1], … }`. Names are written as JSON string literals, so any column name is a
 * valid key; a repeated name keeps its first position and its last value, as better-sqlite3's own rows do.
 */
function rowBuilder(columns: readonly string[]): RowBuilder {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${fields} };`) as RowBuilder;
}

/** The statement as Kysely's SQLite driver uses it, returning rows built as above. */
export function withFastRows(statement: SQLite.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const columns = statement.columns().map((column) => column.name);
  // A `__proto__` key in an object literal sets the prototype instead of a property: keep the library's rows.
  if (columns.includes('__proto__')) return statement;
  const toRow = rowBuilder(columns);
  statement.raw(true);
  return {
    reader: true,
    all: (parameters) => (statement.all(parameters) as unknown[][]).map(toRow),
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const values of statement.iterate(parameters) as IterableIterator<unknown[]>) yield toRow(values);
    },
  };
}
