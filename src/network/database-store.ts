/**
 * The simulator's state in Tessera's own database (tables network_sim_tokens and network_sim_pan_refs), so that
 * the tokens a wallet provisioned are still known to the (simulated) network after a restart. Records are JSON;
 * they hold no PAN and no full token number (see store.ts). Writes go through `transact`, so on SQLite they share
 * the group commit with the issuer's own writes; updates are guarded by the token's version, so instances sharing
 * one database (each with its in-process simulator) never overwrite each other's changes.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Transact } from '../store/transactions.js';
import type { PanReferences, SimulatorRecord, SimulatorStore } from './store.js';

export function createDatabaseSimulatorStore(db: Kysely<Database>, transact: Transact): SimulatorStore {
  async function readReferences(fingerprint: string): Promise<PanReferences | undefined> {
    const row = await db.selectFrom('network_sim_pan_refs').select(['pan_ref', 'par']).where('fingerprint', '=', fingerprint).executeTakeFirst();
    return row && { panRef: row.pan_ref, par: row.par };
  }

  return {
    async get(tokenRef) {
      const row = await db.selectFrom('network_sim_tokens').select('record').where('token_ref', '=', tokenRef).executeTakeFirst();
      return row && (JSON.parse(row.record) as SimulatorRecord);
    },

    async insert(record) {
      const values = { token_ref: record.token.tokenRef, network: record.token.network, version: record.token.version, record: JSON.stringify(record) };
      await transact((tx) => tx.insertInto('network_sim_tokens').values(values).execute());
    },

    async update(record, previousVersion) {
      const result = await transact((tx) =>
        tx
          .updateTable('network_sim_tokens')
          .set({ version: record.token.version, record: JSON.stringify(record) })
          .where('token_ref', '=', record.token.tokenRef)
          .where('version', '=', previousVersion)
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },

    async remove(tokenRef) {
      await transact((tx) => tx.deleteFrom('network_sim_tokens').where('token_ref', '=', tokenRef).execute());
    },

    async panReferences(fingerprint, mint) {
      const known = await readReferences(fingerprint);
      if (known) return known;
      const fresh = mint();
      try {
        await transact((tx) =>
          tx.insertInto('network_sim_pan_refs').values({ fingerprint, pan_ref: fresh.panRef, par: fresh.par }).execute(),
        );
        return { ...fresh };
      } catch (error) {
        // Two provisionings of a new card at once: the first one's references win.
        if (!isUniqueViolation(error)) throw error;
        const winner = await readReferences(fingerprint);
        if (!winner) throw error;
        return winner;
      }
    },
  };
}
