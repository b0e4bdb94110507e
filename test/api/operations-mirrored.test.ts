/**
 * One test file per HTTP operation: every `src/api/<edge>/operations/<operationId>.ts` has its
 * `test/api/<edge>/operations/<operationId>.test.ts`, and every such test file names an operation that exists.
 * A new operation without its tests, or tests left behind by a renamed or removed operation, fail here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE = join(ROOT, 'src', 'api');
const TESTS = join(ROOT, 'test', 'api');

/** `edge/operationId` of each file in the `operations/` folders under `base`, by file-name suffix. */
function operationsUnder(base: string, suffix: string): string[] {
  const found: string[] = [];
  for (const edge of readdirSync(base, { withFileTypes: true })) {
    if (!edge.isDirectory()) continue;
    const folder = join(base, edge.name, 'operations');
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder)) if (file.endsWith(suffix)) found.push(`${edge.name}/${file.slice(0, -suffix.length)}`);
  }
  return found.sort();
}

const operations = operationsUnder(SOURCE, '.ts');
const tested = operationsUnder(TESTS, '.test.ts');

describe('tests mirror the operations', () => {
  it('finds the operations of every edge', () => {
    // A guard against a moved folder making both lists empty (and this suite vacuous).
    for (const edge of ['admin', 'pismo', 'sandbox', 'verifone'])
      expect(
        operations.some((op) => op.startsWith(`${edge}/`)),
        edge,
      ).toBe(true);
  });

  it('each operation file is named by the operationId it registers', () => {
    for (const operation of operations) {
      const [edge, operationId] = operation.split('/') as [string, string];
      const source = readFileSync(join(SOURCE, edge, 'operations', `${operationId}.ts`), 'utf8');
      expect(source, `src/api/${operation}.ts`).toContain(`operationId: '${operationId}'`);
    }
  });

  it('every operation has test/api/<edge>/operations/<operationId>.test.ts', () => {
    expect(operations.filter((op) => !tested.includes(op)).map((op) => `test/api/${op.replace('/', '/operations/')}.test.ts`)).toEqual([]);
  });

  it('every operation test file names an operation that exists', () => {
    expect(tested.filter((op) => !operations.includes(op)).map((op) => `test/api/${op.replace('/', '/operations/')}.test.ts`)).toEqual([]);
  });
});
