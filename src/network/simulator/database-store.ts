/**
 * The simulator's state in a database (its own tables, schema.ts), so that the tokens a wallet provisioned are
 * still known to the (simulated) network after a restart. Records are JSON; they hold no PAN and no full token
 * number (see record.ts). Opening the store applies the simulator's migrations (migrations.ts). Writes go through
 * the caller's `transact`, so in Tessera's database on SQLite they share the group commit with the issuer's own
 * writes; updates are guarded by the token's version, so instances sharing one database (each with its
 * in-process simulator) never overwrite each other's changes.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { isUniqueViolation } from '../../store/errors.js';
import { migrateSimulatorToLatest } from './migrations.js';
import type { SimulatorDatabase } from './schema.js';
import type { CryptogramRecord } from './cryptograms.js';
import type { IdempotentAnswer, PanReferences, SimulatorRecord, SimulatorStore } from './store.js';

/** An update that must not commit: its version was overtaken, or its idempotency key already has an answer. */
class NotApplied extends Error {}

/** The database the simulator lives in: Tessera's store fits (`Store` of store/database.ts), whatever its schema. */
export interface SimulatorDatabaseHandle<DB> {
  db: Kysely<DB>;
  engine: 'sqlite' | 'postgres';
  /** Commits a unit of work; resolves only once it is durable. */
  transact<T>(work: (tx: Transaction<DB>) => Promise<T>): Promise<T>;
}

export interface DatabaseSimulatorStoreOptions {
  /** Apply the simulator's migrations first (default true). */
  migrate?: boolean;
}

function answerRow(answer: IdempotentAnswer) {
  return { idempotency_key: answer.key, network: answer.network, token_ref: answer.tokenRef, answer: JSON.stringify(answer), created_at: answer.at };
}

export async function openDatabaseSimulatorStore<DB>(
  handle: SimulatorDatabaseHandle<DB>,
  options: DatabaseSimulatorStoreOptions = {},
): Promise<SimulatorStore> {
  // The handle is typed with its owner's tables; the simulator's are its own (schema.ts), whatever else is there.
  const db = handle.db as unknown as Kysely<SimulatorDatabase>;
  const transact = <T>(work: (tx: Transaction<SimulatorDatabase>) => Promise<T>): Promise<T> =>
    handle.transact((tx) => work(tx as unknown as Transaction<SimulatorDatabase>));

  if (options.migrate !== false) {
    // On PostgreSQL the bookkeeping goes in the connection's schema (the one `?schema=` selected, or public).
    const schema = handle.engine === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
    await migrateSimulatorToLatest(db as unknown as Kysely<unknown>, schema);
  }

  async function readAnswer(key: string): Promise<IdempotentAnswer | undefined> {
    const row = await db.selectFrom('network_sim_idempotency').select('answer').where('idempotency_key', '=', key).executeTakeFirst();
    return row && (JSON.parse(row.answer) as IdempotentAnswer);
  }

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

    async update(record, previousVersion, answer) {
      try {
        await transact(async (tx) => {
          const result = await tx
            .updateTable('network_sim_tokens')
            .set({ version: record.token.version, record: JSON.stringify(record) })
            .where('token_ref', '=', record.token.tokenRef)
            .where('version', '=', previousVersion)
            .executeTakeFirst();
          if (Number(result.numUpdatedRows) !== 1) throw new NotApplied();
          if (answer) {
            try {
              await tx.insertInto('network_sim_idempotency').values(answerRow(answer)).execute();
            } catch (error) {
              // Another instance answered this key first: roll the change back, the caller replays that answer.
              if (isUniqueViolation(error)) throw new NotApplied();
              throw error;
            }
          }
        });
        return true;
      } catch (error) {
        if (error instanceof NotApplied) return false;
        throw error;
      }
    },

    answerOf: readAnswer,

    async rememberAnswer(answer) {
      try {
        await transact((tx) => tx.insertInto('network_sim_idempotency').values(answerRow(answer)).execute());
        return answer;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const first = await readAnswer(answer.key);
        if (!first) throw error;
        return first;
      }
    },

    async remove(tokenRef) {
      await transact((tx) => tx.deleteFrom('network_sim_tokens').where('token_ref', '=', tokenRef).execute());
    },

    async panReferences(fingerprint, mint) {
      const known = await readReferences(fingerprint);
      if (known) return known;
      const fresh = mint();
      try {
        await transact((tx) => tx.insertInto('network_sim_pan_refs').values({ fingerprint, pan_ref: fresh.panRef, par: fresh.par }).execute());
        return { ...fresh };
      } catch (error) {
        // Two provisionings of a new card at once: the first one's references win.
        if (!isUniqueViolation(error)) throw error;
        const winner = await readReferences(fingerprint);
        if (!winner) throw error;
        return winner;
      }
    },

    async insertCryptogram(record) {
      const values = {
        id: record.id,
        network: record.network,
        token_ref: record.tokenRef,
        record: JSON.stringify(record),
        used_at: null,
        created_at: record.issuedAt,
      };
      await transact((tx) => tx.insertInto('network_sim_cryptograms').values(values).execute());
    },

    async findCryptogram(id) {
      const row = await db.selectFrom('network_sim_cryptograms').select(['record', 'used_at']).where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      return { record: JSON.parse(row.record) as CryptogramRecord, ...(row.used_at !== null ? { usedAt: row.used_at } : {}) };
    },

    async useCryptogram(id, at) {
      // One conditional update: of two instances using the same cryptogram at once, exactly one succeeds.
      const result = await transact((tx) =>
        tx.updateTable('network_sim_cryptograms').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
