import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/database.js';
import { createDataKeys } from '../../src/keys/data-keys.js';
import { createDataKeysDal } from '../../src/keys/dal.js';
import { systemClock } from '../../src/clock.js';
import { createSealedData } from '../../src/keys/sealed-data.js';
import { generateKey, VaultDecryptError } from '../../src/vault/envelope.js';
import { createMasterKeyring, masterKeyId } from '../../src/vault/keyring.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

const CARD = { pan: '4111111111111111', holder: 'Jane Doe' };

describe.each(ENGINES)('data keys and sealed records on %s', (engine) => {
  let database: TestDatabase;
  let store: Store;
  const master = generateKey();
  const owner = () => `merchant:${randomUUID()}`;
  const rowsOf = (who: string) => store.db.selectFrom('data_keys').selectAll().where('owner', '=', who).orderBy('purpose').orderBy('version').execute();

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('creates version 1 on first use, stores it only wrapped, and returns the same key afterwards', async () => {
    const who = owner();
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    const first = await keys.current(who, 'data');
    expect(first.version).toBe(1);
    expect(first.key).toHaveLength(32);

    const rows = await rowsOf(who);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.master_key_id).toBe(masterKeyId(master));
    const wrapped = Buffer.from(rows[0]!.wrapped_key, 'base64');
    expect(wrapped.includes(first.key)).toBe(false);
    expect(rows[0]!.wrapped_key).not.toContain(first.key.toString('base64'));

    // Another process (a fresh instance, empty cache) finds the same key.
    const other = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    const again = await other.current(who, 'data');
    expect(again.version).toBe(1);
    expect(again.key.equals(first.key)).toBe(true);
    expect((await other.get(who, 'data', 1)).equals(first.key)).toBe(true);
  });

  it('10 concurrent first calls on one instance create exactly one row and agree on the key', async () => {
    const who = owner();
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    const results = await Promise.all(Array.from({ length: 10 }, () => keys.current(who, 'data')));
    expect(await rowsOf(who)).toHaveLength(1);
    for (const r of results) {
      expect(r.version).toBe(1);
      expect(r.key.equals(results[0]!.key)).toBe(true);
    }
  });

  it('10 concurrent first calls from 10 instances (as from 10 processes) create exactly one row and agree on the key', async () => {
    const who = owner();
    const instances = Array.from({ length: 10 }, () =>
      createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock }),
    );
    const results = await Promise.all(instances.map((k) => k.current(who, 'fingerprint')));
    expect(await rowsOf(who)).toHaveLength(1);
    for (const r of results) {
      expect(r.version).toBe(1);
      expect(r.key.equals(results[0]!.key)).toBe(true);
    }
  });

  it('keys are per owner and per purpose', async () => {
    const a = owner();
    const b = owner();
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    const aData = await keys.current(a, 'data');
    const aFingerprint = await keys.current(a, 'fingerprint');
    const bData = await keys.current(b, 'data');
    expect(aData.key.equals(aFingerprint.key)).toBe(false);
    expect(aData.key.equals(bData.key)).toBe(false);
  });

  it('rotate adds v2: new seals use v2, v1 ciphertext still opens, the fingerprint key is untouched', async () => {
    const who = owner();
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    const sealed = createSealedData(keys);
    const fingerprintBefore = await sealed.panFingerprint(who, CARD.pan);
    const v1Record = await sealed.seal(who, 'tok-1', CARD);
    expect(v1Record.keyVersion).toBe(1);

    const rotated = await keys.rotate(who, 'data');
    expect(rotated.version).toBe(2);
    expect(rotated.key.equals(await keys.get(who, 'data', 1))).toBe(false);
    expect((await keys.current(who, 'data')).version).toBe(2);

    const v2Record = await sealed.seal(who, 'tok-2', CARD);
    expect(v2Record.keyVersion).toBe(2);
    expect(await sealed.open(who, 'tok-1', v1Record)).toEqual(CARD);
    expect(await sealed.open(who, 'tok-2', v2Record)).toEqual(CARD);
    // A record claiming the other version does not open.
    await expect(sealed.open(who, 'tok-1', { ...v1Record, keyVersion: 2 })).rejects.toThrow(VaultDecryptError);

    expect(await sealed.panFingerprint(who, CARD.pan)).toBe(fingerprintBefore);
    const rows = await rowsOf(who);
    expect(rows.map((r) => `${r.purpose}:${r.version}`)).toEqual(['data:1', 'data:2', 'fingerprint:1']);

    // A process started after the rotation seals with v2 and still opens v1.
    const restarted = createSealedData(createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock }));
    expect((await restarted.seal(who, 'tok-3', CARD)).keyVersion).toBe(2);
    expect(await restarted.open(who, 'tok-1', v1Record)).toEqual(CARD);
  });

  it('asking for a version that does not exist is an error, not a new key', async () => {
    const who = owner();
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    await keys.current(who, 'data');
    await expect(keys.get(who, 'data', 7)).rejects.toThrow(/no data key data v7/);
    expect(await rowsOf(who)).toHaveLength(1);
  });

  it('rewrapBatch after a master key change re-wraps every row, batch by batch, after which the new master key alone suffices', async () => {
    // A database of its own, so "every row" is exactly what this test wrote.
    const own = freshDatabase(engine);
    const s = await openStore(own.config);
    try {
      const oldMaster = generateKey();
      const newMaster = generateKey();
      const owners = [owner(), owner(), owner()];
      const before = createDataKeys({ dal: createDataKeysDal(s.db), keyring: createMasterKeyring(oldMaster), clock: systemClock });
      const sealedBefore = createSealedData(before);
      const records = [];
      for (const who of owners) {
        records.push({ who, record: await sealedBefore.seal(who, 'obj', CARD), fp: await sealedBefore.panFingerprint(who, CARD.pan) });
      }
      await before.rotate(owners[0]!, 'data');
      const rowsBefore = await s.db.selectFrom('data_keys').selectAll().execute();
      expect(rowsBefore).toHaveLength(7); // 3 × (data v1 + fingerprint v1) + one rotated data v2
      expect(new Set(rowsBefore.map((r) => r.master_key_id))).toEqual(new Set([masterKeyId(oldMaster)]));

      // Without the old key configured, the old rows cannot be used, with a clear error.
      const newOnly = createDataKeys({ dal: createDataKeysDal(s.db), keyring: createMasterKeyring(newMaster), clock: systemClock });
      await expect(newOnly.current(owners[1]!, 'data')).rejects.toThrow(/master key [0-9a-f]{16} is not configured/);
      // Rows under a key it does not hold are not re-wrapped (nor do they stop the others): they are counted apart.
      expect(await newOnly.rewrapBatch(100)).toEqual({ rewrapped: 0, more: false });
      expect(await newOnly.wrappingSummary()).toEqual({
        currentMasterKeyId: masterKeyId(newMaster),
        byMasterKey: { [masterKeyId(oldMaster)]: 7 },
        rewrappable: 0,
        unknown: 7,
        unknownMasterKeyIds: [masterKeyId(oldMaster)],
      });

      const transition = createDataKeys({ dal: createDataKeysDal(s.db), keyring: createMasterKeyring(newMaster, [oldMaster]), clock: systemClock });
      expect((await transition.wrappingSummary()).rewrappable).toBe(7);
      expect(await transition.rewrapBatch(3)).toEqual({ rewrapped: 3, more: true });
      expect(await transition.rewrapBatch(3)).toEqual({ rewrapped: 3, more: true });
      expect(await transition.rewrapBatch(3)).toEqual({ rewrapped: 1, more: false });
      const rowsAfter = await s.db.selectFrom('data_keys').selectAll().execute();
      expect(rowsAfter).toHaveLength(7);
      for (const row of rowsAfter) {
        expect(row.master_key_id).toBe(masterKeyId(newMaster));
        const old = rowsBefore.find((r) => r.owner === row.owner && r.purpose === row.purpose && r.version === row.version)!;
        expect(row.wrapped_key).not.toBe(old.wrapped_key);
      }
      expect(await transition.rewrapBatch(3)).toEqual({ rewrapped: 0, more: false });
      expect(await transition.wrappingSummary()).toEqual({
        currentMasterKeyId: masterKeyId(newMaster),
        byMasterKey: { [masterKeyId(newMaster)]: 7 },
        rewrappable: 0,
        unknown: 0,
        unknownMasterKeyIds: [],
      });

      // The new master key alone now opens everything; data keys and fingerprints are unchanged.
      const after = createSealedData(createDataKeys({ dal: createDataKeysDal(s.db), keyring: createMasterKeyring(newMaster), clock: systemClock }));
      for (const { who, record, fp } of records) {
        expect(await after.open(who, 'obj', record)).toEqual(CARD);
        expect(await after.panFingerprint(who, CARD.pan)).toBe(fp);
      }
      // And the old master key alone no longer does.
      const oldOnly = createSealedData(createDataKeys({ dal: createDataKeysDal(s.db), keyring: createMasterKeyring(oldMaster), clock: systemClock }));
      await expect(oldOnly.open(records[0]!.who, 'obj', records[0]!.record)).rejects.toThrow(/not configured/);
    } finally {
      await s.close();
      await own.drop();
    }
  });

  it('a sealed record copied to another row or another owner does not open', async () => {
    const a = owner();
    const b = owner();
    const sealed = createSealedData(createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock }));
    const record = await sealed.seal(a, 'tok-a', CARD);
    await sealed.seal(b, 'tok-b', CARD); // b has a data key v1 of its own
    expect(await sealed.open(a, 'tok-a', record)).toEqual(CARD);
    await expect(sealed.open(a, 'tok-other', record)).rejects.toThrow(VaultDecryptError);
    await expect(sealed.open(b, 'tok-a', record)).rejects.toThrow(VaultDecryptError);
    await expect(sealed.open(b, 'tok-b', record)).rejects.toThrow(VaultDecryptError);
  });

  it('a wrapped data key copied into another owner’s row does not unwrap', async () => {
    const a = owner();
    const b = owner();
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    await keys.current(a, 'data');
    await keys.current(b, 'data');
    const [rowA] = await rowsOf(a);
    await store.db.updateTable('data_keys').set({ wrapped_key: rowA!.wrapped_key }).where('owner', '=', b).execute();
    const fresh = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock });
    await expect(fresh.current(b, 'data')).rejects.toThrow(VaultDecryptError);
    await expect(fresh.get(b, 'data', 1)).rejects.toThrow(VaultDecryptError);
    // Nor into another purpose or version of the same owner.
    const c = owner();
    await keys.current(c, 'data');
    await keys.current(c, 'fingerprint');
    const dataRow = (await rowsOf(c)).find((r) => r.purpose === 'data')!;
    await store.db.updateTable('data_keys').set({ wrapped_key: dataRow.wrapped_key }).where('owner', '=', c).where('purpose', '=', 'fingerprint').execute();
    await expect(
      createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock }).current(c, 'fingerprint'),
    ).rejects.toThrow(VaultDecryptError);
  });

  it('PAN fingerprints are stable for an owner and unrelated across owners', async () => {
    const a = owner();
    const b = owner();
    const sealed = createSealedData(createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock }));
    const fa = await sealed.panFingerprint(a, CARD.pan);
    expect(
      await createSealedData(createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(master), clock: systemClock })).panFingerprint(
        a,
        CARD.pan,
      ),
    ).toBe(fa);
    expect(await sealed.panFingerprint(b, CARD.pan)).not.toBe(fa);
    expect(await sealed.panFingerprint(a, '5555555555554444')).not.toBe(fa);
    expect(await sealed.analyticsToken(a, CARD.pan)).not.toBe(await sealed.analyticsToken(b, CARD.pan));
  });
});
