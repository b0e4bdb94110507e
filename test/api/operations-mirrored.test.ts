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

/**
 * Operations added in the last round whose tests still live in their feature's suite, not yet split into a mirrored
 * file (a known gap of issue 7, listed in its closing note). Each named suite must exist; an operation leaves this
 * list when its mirrored file is written, and the list may only shrink.
 */
const NOT_YET_MIRRORED: Record<string, string> = {
  'admin/createWebhookEndpoint': 'test/events/webhook-endpoints.test.ts',
  'admin/deleteWebhookEndpoint': 'test/events/webhook-endpoints.test.ts',
  'admin/getWebhookEndpoint': 'test/events/webhook-endpoints.test.ts',
  'admin/listWebhookEndpoints': 'test/events/webhook-endpoints.test.ts',
  'admin/rotateWebhookSecret': 'test/events/webhook-endpoints.test.ts',
  'admin/updateWebhookEndpoint': 'test/events/webhook-endpoints.test.ts',
  'admin/discardWebhookDelivery': 'test/events/webhook-delivery.test.ts',
  'admin/listWebhookDeliveries': 'test/events/webhook-delivery.test.ts',
  'admin/replayWebhookEvents': 'test/events/webhook-delivery.test.ts',
  'admin/sendWebhookTestEvent': 'test/events/webhook-delivery.test.ts',
  'admin/exportAuditRecords': 'test/api/admin/audit-records.test.ts',
  'admin/listAuditRecords': 'test/api/admin/audit-records.test.ts',
  'admin/getAccount': 'test/api/admin/lists.test.ts',
  'admin/getCaptureKey': 'test/api/admin/lists.test.ts',
  'admin/getCard': 'test/api/admin/lists.test.ts',
  'admin/listAccounts': 'test/api/admin/lists.test.ts',
  'admin/listApiKeys': 'test/api/admin/lists.test.ts',
  'admin/listCards': 'test/api/admin/lists.test.ts',
  'admin/listMerchants': 'test/api/admin/lists.test.ts',
  'admin/listTokenScopes': 'test/api/admin/lists.test.ts',
  'admin/revokeCaptureKey': 'test/api/admin/lists.test.ts',
  'admin/rotateDataKey': 'test/api/admin/lists.test.ts',
  'admin/createTokenRequestor': 'test/merchant/token-requestors.test.ts',
  'admin/listTokenRequestors': 'test/merchant/token-requestors.test.ts',
  'sandbox/sandboxAuthorize': 'test/merchant/cryptogram.test.ts',
  'verifone/createCryptogram': 'test/merchant/cryptogram.test.ts',
};

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
    const missing = operations.filter((op) => !tested.includes(op) && !(op in NOT_YET_MIRRORED));
    expect(missing.map((op) => `test/api/${op.replace('/', '/operations/')}.test.ts`)).toEqual([]);
  });

  it('the operations not yet mirrored are tested in the suite named for them, and none of them is mirrored already', () => {
    for (const [operation, suite] of Object.entries(NOT_YET_MIRRORED)) {
      expect(operations, operation).toContain(operation);
      expect(tested, `${operation} has its mirrored file: remove it from NOT_YET_MIRRORED`).not.toContain(operation);
      expect(existsSync(join(ROOT, suite)), suite).toBe(true);
    }
  });

  it('every operation test file names an operation that exists', () => {
    expect(tested.filter((op) => !operations.includes(op)).map((op) => `test/api/${op.replace('/', '/operations/')}.test.ts`)).toEqual([]);
  });
});
