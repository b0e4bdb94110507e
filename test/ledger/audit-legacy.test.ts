/**
 * Records written before the audit chain existed (what migration 0006 leaves them as: owner '' and sequence 0) are
 * appended to their owner's chain by the first start after the upgrade, in their original order; once chains exist,
 * an unchained record is left as it is (verify reports it).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, recordHash } from '../../src/ledger/audit-chain.js';
import { accountOwner, merchantOwner, SYSTEM_OWNER } from '../../src/owners.js';
import { chainLegacyAuditRecords } from '../../src/ledger/legacy-audit.js';
import { openStore } from '../../src/store/database.js';
import { startTestServer } from '../support/app.js';
import { ENGINES, freshDatabase } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';

describe.each(ENGINES)('audit records from before the chain on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);

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

  it('are chained by the first start after the upgrade, under the owner they name, in their order', async () => {
    const database = freshDatabase(engine);
    const store = await openStore(database.config);
    try {
      const merchantId = 'm-legacy';
      const rows = [
        legacy('2026-01-01T00:00:01.000Z', `merchant:${merchantId}/key:ak_x`, 'card_token', 'ct_1', null),
        legacy('2026-01-01T00:00:02.000Z', 'admin', 'api_key', 'ak_y', { merchant_id: merchantId }),
        legacy('2026-01-01T00:00:03.000Z', 'account:77/sub:s', 'network_token', 'nt_1', null),
        legacy('2026-01-01T00:00:04.000Z', 'admin', 'card', '9', { account_id: 77 }),
        legacy('2026-01-01T00:00:05.000Z', 'reconciler', 'something', 'x', null),
      ];
      await store.db.insertInto('audit_log').values(rows).execute();
      expect(await chainLegacyAuditRecords(store.db, store.transact)).toBe(5);
      const chain = (owner: string) => store.db.selectFrom('audit_log').selectAll().where('owner', '=', owner).orderBy('sequence').execute();
      const merchantChain = await chain(merchantOwner(merchantId));
      expect(merchantChain.map((r) => r.id)).toEqual([rows[0]!.id, rows[1]!.id]);
      const accountChain = await chain(accountOwner(77));
      expect(accountChain.map((r) => [r.id, Number(r.sequence), r.prev_hash === GENESIS_HASH])).toEqual([
        [rows[2]!.id, 1, true],
        [rows[3]!.id, 2, false],
      ]);
      expect(accountChain[1]!.prev_hash).toBe(accountChain[0]!.hash);
      for (const record of [...merchantChain, ...accountChain]) {
        const { hash, ...rest } = record;
        expect(recordHash({ ...rest, sequence: Number(rest.sequence) })).toBe(hash);
      }
      expect((await chain(SYSTEM_OWNER)).map((r) => r.id)).toEqual([rows[4]!.id]);
      expect(await store.db.selectFrom('audit_log').select('id').where('sequence', '<=', 0).execute()).toEqual([]);
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('once chains exist, a start leaves an unchained record unchained', async () => {
    const db = server.app.core.store.db;
    const forged = legacy('2026-01-01T00:00:01.000Z', `merchant:${merchant.merchantId}/key:ak_x`, 'card_token', 'ct_1', null);
    await db.insertInto('audit_log').values(forged).execute();
    const second = await startTestServer(engine, { sharing: server });
    await second.close();
    const row = await db.selectFrom('audit_log').selectAll().where('id', '=', forged.id).executeTakeFirstOrThrow();
    expect({ owner: row.owner, sequence: Number(row.sequence) }).toEqual({ owner: '', sequence: 0 });
  });
});
