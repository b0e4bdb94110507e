/**
 * The audit trail is a hash chain per owner: every record carries its owner, a gap-free sequence, its predecessor's
 * hash and its own hash over all its columns. Concurrent writes on one merchant (real HTTP PUTs, on both engines)
 * still produce one unbroken chain; two merchants write to two chains.
 */
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, recordHash } from '../../src/ledger/audit-chain.js';
import { recordAudit } from '../../src/ledger/ledger.js';
import { merchantOwner } from '../../src/owners.js';
import type { AuditLogTable } from '../../src/store/schema.js';
import type { TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { tokenize } from '../support/merchant.js';
import { makePan } from '../merchant/helpers.js';

const chainOf = (server: TestServer, owner: string): Promise<AuditLogTable[]> =>
  server.app.core.store.db.selectFrom('audit_log').selectAll().where('owner', '=', owner).orderBy('sequence').execute();

/** What an intact chain looks like: sequences 1..n, each linked to the one before, each hash recomputable, the head on the last. */
async function expectIntactChain(server: TestServer, owner: string, length: number): Promise<void> {
  const chain = await chainOf(server, owner);
  expect(chain.map((record) => Number(record.sequence))).toEqual(Array.from({ length }, (_, i) => i + 1));
  let previous = GENESIS_HASH;
  for (const record of chain) {
    expect(record.prev_hash).toBe(previous);
    const { hash, ...rest } = record;
    expect(recordHash({ ...rest, sequence: Number(rest.sequence) })).toBe(hash);
    previous = hash;
  }
  const head = await server.app.core.store.db.selectFrom('audit_chain_heads').selectAll().where('owner', '=', owner).executeTakeFirstOrThrow();
  expect({ sequence: Number(head.sequence), hash: head.hash }).toEqual({ sequence: length, hash: previous });
}

describe.each(ENGINES)('audit hash chain on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const other = useMerchant(server);

  it("a merchant's bootstrap (merchant, token scope; API key and capture key) is the start of its chain", async () => {
    const chain = await chainOf(server, merchantOwner(other.merchantId));
    expect(chain.map((record) => record.action).sort()).toEqual(['api_key.created', 'capture_key.created', 'merchant.created', 'token_scope.created']);
    expect(chain[0]!.prev_hash).toBe(GENESIS_HASH);
    await expectIntactChain(server, merchantOwner(other.merchantId), 4);
  });

  it('concurrent PUTs of one merchant (and admin writes on it meanwhile) append one unbroken, gap-free chain', async () => {
    const owner = merchantOwner(merchant.merchantId);
    const before = (await chainOf(server, owner)).length;
    const puts = Array.from({ length: 24 }, () =>
      tokenize(server, merchant, { cardNumber: makePan('41'), expiryMonth: 12, expiryYear: 2031, cvv: '123', cardholderName: 'A B' }),
    );
    const keys = Array.from({ length: 4 }, () =>
      request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/api-keys`, { bearer: server.adminToken }),
    );
    const otherPuts = Array.from({ length: 6 }, () =>
      tokenize(server, other, { cardNumber: makePan('51'), expiryMonth: 12, expiryYear: 2031, cvv: '123', cardholderName: 'A B' }),
    );
    const results = await Promise.all([...puts, ...keys, ...otherPuts]);
    expect(results.map((r) => r.status).filter((status) => status !== 200 && status !== 201)).toEqual([]);
    await expectIntactChain(server, owner, before + 28);
    await expectIntactChain(server, merchantOwner(other.merchantId), 4 + 6);
  });

  it('concurrent transactions appending to one chain directly through the store serialize on its head', async () => {
    const { store, clock } = server.app.core;
    const owner = 'test:direct-appends';
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.transact((tx) => recordAudit(tx, { owner, actor: 'test', action: 'test.append', objectType: 'test', objectId: String(i) }, clock())),
      ),
    );
    await expectIntactChain(server, owner, 20);
  });

  it('a transaction that fails after its audit call leaves no record and does not advance the chain', async () => {
    const { store, clock } = server.app.core;
    const owner = 'test:rolled-back';
    await store.transact((tx) => recordAudit(tx, { owner, actor: 'test', action: 'test.kept', objectType: 'test', objectId: 'kept' }, clock()));
    await expect(
      store.transact(async (tx) => {
        await recordAudit(tx, { owner, actor: 'test', action: 'test.lost', objectType: 'test', objectId: 'lost' }, clock());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await store.transact((tx) => recordAudit(tx, { owner, actor: 'test', action: 'test.kept', objectType: 'test', objectId: 'kept-2' }, clock()));
    await expectIntactChain(server, owner, 2);
  });
});
