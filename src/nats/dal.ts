/**
 * The NATS publisher's SQL: a batch of events JetStream does not have yet, the first unpublished one of each subject
 * (so a subject's events are published in commit order), marked once acknowledged. On PostgreSQL one instance
 * publishes at a time (a transaction-scoped advisory lock): the others stand by, and order holds across instances.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { firstUnhandledPerSubject } from '../ledger/dal.js';
import type { Database, EventsTable } from '../store/schema.js';

export type NatsEventRow = Selectable<EventsTable>;

export interface NatsDal {
  /**
   * Runs `publish` on the next batch inside one transaction, then marks the ids it answers published at `at`.
   * Answers how many were marked (0 also when another instance holds the publisher's lock).
   */
  publishBatch(limit: number, at: () => string, publish: (events: NatsEventRow[]) => Promise<string[]>): Promise<number>;
}

/** Any number, the same for every instance: the key of the publisher's advisory lock. */
const PUBLISHER_LOCK = 7_457_201;

export function createNatsDal(db: Kysely<Database>, engine: string): NatsDal {
  return {
    publishBatch(limit, at, publish) {
      return db.transaction().execute(async (tx) => {
        if (engine === 'postgres') {
          const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${PUBLISHER_LOCK}) as locked`.execute(tx);
          if (!rows[0]?.locked) return 0;
        }
        const events = await firstUnhandledPerSubject(tx, 'nats_published_at', limit).execute();
        if (events.length === 0) return 0;
        const published = await publish(events);
        if (published.length > 0) await tx.updateTable('events').set({ nats_published_at: at() }).where('id', 'in', published).execute();
        return published.length;
      });
    },
  };
}
