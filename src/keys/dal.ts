/** The data keys' SQL: rows of `data_keys`, one per owner, purpose and version, each wrapped by a master key. */
import type { Kysely } from 'kysely';
import type { Database, DataKeysTable } from '../store/schema.js';

export interface DataKeysDal {
  newest(owner: string, purpose: DataKeysTable['purpose']): Promise<DataKeysTable | undefined>;
  version(owner: string, purpose: DataKeysTable['purpose'], version: number): Promise<DataKeysTable | undefined>;
  /** Inserts the version unless it exists: of two callers racing to create it, the first wins. */
  insertIfAbsent(row: DataKeysTable): Promise<void>;
  /** Up to `limit` rows wrapped by one of these master keys, in key order. */
  wrappedByAny(masterKeyIds: readonly string[], limit: number): Promise<DataKeysTable[]>;
  /** How many rows each master key wraps. */
  countByMasterKey(): Promise<Record<string, number>>;
  /** Replaces the wrapping of one row, unless someone re-wrapped it meanwhile; true when this call did. */
  rewrap(row: DataKeysTable, wrappedKey: string, masterKeyId: string): Promise<boolean>;
}

export function createDataKeysDal(db: Kysely<Database>): DataKeysDal {
  return {
    newest: (owner, purpose) =>
      db.selectFrom('data_keys').selectAll().where('owner', '=', owner).where('purpose', '=', purpose).orderBy('version', 'desc').limit(1).executeTakeFirst(),
    version: (owner, purpose, version) =>
      db.selectFrom('data_keys').selectAll().where('owner', '=', owner).where('purpose', '=', purpose).where('version', '=', version).executeTakeFirst(),
    async insertIfAbsent(row) {
      await db
        .insertInto('data_keys')
        .values(row)
        .onConflict((oc) => oc.columns(['owner', 'purpose', 'version']).doNothing())
        .execute();
    },
    wrappedByAny: (masterKeyIds, limit) =>
      db
        .selectFrom('data_keys')
        .selectAll()
        .where('master_key_id', 'in', [...masterKeyIds])
        .orderBy('owner')
        .orderBy('purpose')
        .orderBy('version')
        .limit(limit)
        .execute(),
    async countByMasterKey() {
      const rows = await db
        .selectFrom('data_keys')
        .select((eb) => ['master_key_id', eb.fn.countAll<number>().as('count')])
        .groupBy('master_key_id')
        .execute();
      return Object.fromEntries(rows.map((row) => [row.master_key_id, Number(row.count)]));
    },
    async rewrap(row, wrappedKey, masterKeyId) {
      const result = await db
        .updateTable('data_keys')
        .set({ wrapped_key: wrappedKey, master_key_id: masterKeyId })
        .where('owner', '=', row.owner)
        .where('purpose', '=', row.purpose)
        .where('version', '=', row.version)
        .where('master_key_id', '=', row.master_key_id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
