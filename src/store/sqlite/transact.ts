/**
 * Group commit. An embedded SQLite commits through one connection and, with synchronous=FULL, pays one fsync per
 * commit (a few milliseconds on common disks); units of work that arrive while a commit is running are therefore
 * run together in the next transaction, each inside its own savepoint so that one failing unit rolls back alone.
 * Nobody is answered before the commit that holds their change is on disk.
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Transact, UnitOfWork } from '../transactions.js';

interface Pending {
  work: UnitOfWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export function groupCommitTransact(db: Kysely<Database>, maxBatch = 64): Transact {
  const queue: Pending[] = [];
  let draining = false;

  async function runBatch(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [unit] = batch as [Pending];
      await db.transaction().execute(unit.work).then(unit.resolve, unit.reject);
      return;
    }
    let trx: ControlledTransaction<Database>;
    try {
      trx = await db.startTransaction().execute();
    } catch (error) {
      for (const unit of batch) unit.reject(error);
      return;
    }
    const outcomes: Array<() => void> = [];
    try {
      for (const [index, unit] of batch.entries()) {
        const name = `unit_${index}`;
        const savepoint = await trx.savepoint(name).execute();
        try {
          const value = await unit.work(savepoint);
          await savepoint.releaseSavepoint(name).execute();
          outcomes.push(() => unit.resolve(value));
        } catch (error) {
          await savepoint.rollbackToSavepoint(name).execute();
          await savepoint.releaseSavepoint(name).execute();
          outcomes.push(() => unit.reject(error));
        }
      }
      await trx.commit().execute();
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      for (const unit of batch) unit.reject(error);
      return;
    }
    for (const settle of outcomes) settle();
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      // better-sqlite3 commits synchronously, so while a commit's fsync runs nothing else can queue work. Before
      // each batch, let the event loop take in the requests that arrived meanwhile, so they join this commit.
      while (queue.length > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        await runBatch(queue.splice(0, maxBatch));
      }
    } finally {
      draining = false;
    }
  }

  return <T>(work: UnitOfWork<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      void drain();
    });
}
