/** The data keys' SQL: rows of `data_keys`, one per owner, purpose and version, each wrapped by a master key. */
import type { Kysely } from 'kysely';
import type { Database, DataKeysTable } from '../store/schema.js';

export interface DataKeysDal {
  newest(owner: string, purpose: DataKeysTable['purpose']): Promise<DataKeysTable | undefined>;
  version(owner: string, purpose: DataKeysTable['purpose'], version: number): Promise<DataKeysTable | undefined>;
  /** Inserts the version unless it exists: of two callers racing to create it, the first wins. */
  insertIfAbsent(row: DataKeysTable): Promise<void>;
  /** Every row wrapped by another master key than `masterKeyId`. */
  wrappedByOther(masterKeyId: string): Promise<DataKeysTable[]>;
  /** Replaces the wrapping of one row, unless someone re-wrapped it meanwhile. */
  rewrap(row: DataKeysTable, wrappedKey: string, masterKeyId: string): Promise<void>;
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
    wrappedByOther: (masterKeyId) => db.selectFrom('data_keys').selectAll().where('master_key_id', '!=', masterKeyId).execute(),
    async rewrap(row, wrappedKey, masterKeyId) {
      await db
        .updateTable('data_keys')
        .set({ wrapped_key: wrappedKey, master_key_id: masterKeyId })
        .where('owner', '=', row.owner)
        .where('purpose', '=', row.purpose)
        .where('version', '=', row.version)
        .where('master_key_id', '=', row.master_key_id)
        .execute();
    },
  };
}
