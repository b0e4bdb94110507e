/**
 * Queries built and compiled once, then executed many times with new parameter values.
 *
 * Building a Kysely query (immutable operation nodes, one copy per `.where`) and compiling it to SQL costs more
 * than running a small indexed SELECT. For the few queries on hot paths, the SQL is compiled at start-up by the
 * active Kysely instance, so it stays in the dialect in use (SQLite `?` or PostgreSQL `$1` placeholders), and
 * each call only swaps in its parameter values.
 */
import type { Compilable, CompiledQuery } from 'kysely';

const MARK = '\u0000tessera-param:';

/**
 * `build` receives `param(name)`, a placeholder value to use wherever a value would go; it must use each name
 * once. Returns a function that makes the compiled query for given values (any other value in the query stays
 * as compiled). Fails at start-up, not per request, if a placeholder did not end up as a bound parameter.
 */
export function compileOnce<Row, Name extends string>(
  build: (param: (name: Name) => string) => Compilable<Row>,
): (values: Readonly<Record<Name, unknown>>) => CompiledQuery<Row> {
  const used: Name[] = [];
  const compiled = build((name) => {
    used.push(name);
    return MARK + name;
  }).compile();
  const slots: Array<{ index: number; name: Name }> = [];
  compiled.parameters.forEach((value, index) => {
    if (typeof value === 'string' && value.startsWith(MARK)) slots.push({ index, name: value.slice(MARK.length) as Name });
  });
  if (slots.length !== used.length || new Set(used).size !== used.length) {
    throw new Error(`compileOnce: expected parameters ${used.join(', ')} once each in: ${compiled.sql}`);
  }
  const constants = compiled.parameters.slice();
  return (values) => {
    const parameters = constants.slice();
    for (const { index, name } of slots) parameters[index] = values[name];
    return { query: compiled.query, queryId: compiled.queryId, sql: compiled.sql, parameters };
  };
}
