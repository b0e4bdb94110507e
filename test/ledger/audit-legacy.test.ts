/**
 * Records written before the audit chain existed (what migration 0006 leaves them as: owner '' and sequence 0) are
 * appended to their owner's chain when an instance starts, in their original order.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, recordHash } from '../../src/ledger/audit-chain.js';
import { accountOwner, merchantOwner, SYSTEM_OWNER } from '../../src/owners.js';
import { startTestServer } from '../support/app.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';

describe.each(ENGINES)('audit records from before the chain on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);

  it('are chained at start-up under the owner they name, after the records already chained', async () => {
    const db = server.app.core.store.db;
    const legacy = (at: string, actor: string, objectType: string, objectId: string, detail: Record<string, unknown> | null) => ({
      id: randomUUID(),
      at,
      actor,
      action: 'legacy.action',
      object_type: objectType,
      object_id: objectId,
      status_before: null,
      status_after: null,
      reason: null,
      detail: detail ? JSON.stringify(detail) : null,
      owner: '',
      sequence: 0,
      prev_hash: '',
      hash: '',
    });
    const rows = [
      legacy('2026-01-01T00:00:01.000Z', `merchant:${merchant.merchantId}/key:ak_x`, 'card_token', 'ct_1', null),
      legacy('2026-01-01T00:00:02.000Z', 'admin', 'api_key', 'ak_y', { merchant_id: merchant.merchantId }),
      legacy('2026-01-01T00:00:03.000Z', 'account:77/sub:s', 'network_token', 'nt_1', null),
      legacy('2026-01-01T00:00:04.000Z', 'admin', 'card', '9', { account_id: 77 }),
      legacy('2026-01-01T00:00:05.000Z', 'reconciler', 'something', 'x', null),
    ];
    await db.insertInto('audit_log').values(rows).execute();
    const before = await db.selectFrom('audit_log').select('id').where('owner', '=', merchantOwner(merchant.merchantId)).execute();

    const second = await startTestServer(engine, { sharing: server });
    await second.close();

    const merchantChain = await db.selectFrom('audit_log').selectAll().where('owner', '=', merchantOwner(merchant.merchantId)).orderBy('sequence').execute();
    expect(merchantChain.slice(before.length).map((r) => r.id)).toEqual([rows[0]!.id, rows[1]!.id]);
    const accountChain = await db.selectFrom('audit_log').selectAll().where('owner', '=', accountOwner(77)).orderBy('sequence').execute();
    expect(accountChain.map((r) => [r.id, Number(r.sequence), r.prev_hash === GENESIS_HASH])).toEqual([
      [rows[2]!.id, 1, true],
      [rows[3]!.id, 2, false],
    ]);
    expect(accountChain[1]!.prev_hash).toBe(accountChain[0]!.hash);
    for (const record of [...merchantChain, ...accountChain]) {
      const { hash, ...rest } = record;
      expect(recordHash({ ...rest, sequence: Number(rest.sequence) })).toBe(hash);
    }
    const system = await db.selectFrom('audit_log').select('id').where('owner', '=', SYSTEM_OWNER).execute();
    expect(system.map((r) => r.id)).toContain(rows[4]!.id);
    expect(await db.selectFrom('audit_log').select('id').where('sequence', '<=', 0).execute()).toEqual([]);
  });
});
