/**
 * Anchors: a chain's head is signed with the vault's audit-anchor key once N records were appended since its last
 * anchor, or once its unanchored records are T seconds old; anchors verify with that key and not with another.
 */
import { describe, expect, it } from 'vitest';
import { anchorSignature } from '../../src/ledger/audit-chain.js';
import { recordAudit } from '../../src/ledger/ledger.js';
import { SYSTEM_OWNER } from '../../src/owners.js';
import type { TestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { useTestServer } from '../support/fixture.js';
import { controlledClock } from '../merchant/helpers.js';

async function append(server: TestServer, owner: string, count: number): Promise<void> {
  const { store, clock } = server.app.core;
  for (let i = 0; i < count; i += 1) {
    await store.transact((tx) => recordAudit(tx, { owner, actor: 'test', action: 'test.append', objectType: 'test', objectId: String(i) }, clock()));
  }
}

const anchorsOf = (server: TestServer, owner: string) =>
  server.app.core.store.db.selectFrom('audit_anchors').selectAll().where('owner', '=', owner).orderBy('sequence').execute();

describe.each(ENGINES)('audit anchors on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock, env: { TESSERA_AUDIT_ANCHOR_EVERY: '5', TESSERA_AUDIT_ANCHOR_INTERVAL_SECONDS: '60' } });

  it('a chain is anchored once 5 records were appended since its last anchor, not before', async () => {
    const owner = 'test:by-count';
    await append(server, owner, 4);
    await server.app.core.auditAnchors.anchorDue();
    expect(await anchorsOf(server, owner)).toEqual([]);
    await append(server, owner, 1);
    await server.app.core.auditAnchors.anchorDue();
    const anchors = await anchorsOf(server, owner);
    expect(anchors.map((a) => Number(a.sequence))).toEqual([5]);
    const fifth = await server.app.core.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('owner', '=', owner)
      .where('sequence', '=', 5)
      .executeTakeFirstOrThrow();
    expect(anchors[0]!.hash).toBe(fifth.hash);
    await append(server, owner, 4);
    await server.app.core.auditAnchors.anchorDue();
    expect((await anchorsOf(server, owner)).map((a) => Number(a.sequence))).toEqual([5]);
  });

  it('records younger than the interval wait; once it has passed they are anchored', async () => {
    const owner = 'test:by-time';
    await append(server, owner, 2);
    await server.app.core.auditAnchors.anchorDue();
    expect(await anchorsOf(server, owner)).toEqual([]);
    clock.advanceMs(61_000);
    await server.app.core.auditAnchors.anchorDue();
    expect((await anchorsOf(server, owner)).map((a) => Number(a.sequence))).toEqual([2]);
    // Nothing new since: no second anchor, however long it waits.
    clock.advanceMs(120_000);
    await server.app.core.auditAnchors.anchorDue();
    expect((await anchorsOf(server, owner)).map((a) => Number(a.sequence))).toEqual([2]);
  });

  it('an anchor is an HMAC-SHA256 under the vault key of the system audit-anchor purpose, and not under another key', async () => {
    const owner = 'test:signature';
    await append(server, owner, 5);
    await server.app.core.auditAnchors.anchorDue();
    const [anchor] = await anchorsOf(server, owner);
    const key = await server.app.core.dataKeys.get(SYSTEM_OWNER, 'audit-anchor', Number(anchor!.key_version));
    const claim = { owner, sequence: Number(anchor!.sequence), hash: anchor!.hash, created_at: anchor!.created_at };
    expect(anchor!.signature).toBe(anchorSignature(key, claim));
    expect(anchor!.signature).not.toBe(anchorSignature(Buffer.alloc(32, 1), claim));
    expect(anchor!.signature).not.toBe(anchorSignature(key, { ...claim, sequence: claim.sequence - 1 }));
  });
});
