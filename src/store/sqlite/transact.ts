/**
 * Group commit. An embedded SQLite commits through one connection and, with synchronous=FULL, pays one fsync per
 * commit (a few milliseconds on common disks); units of work that arrive while a commit is running are therefore
 * run together in the next transaction, each inside its own savepoint so that one failing unit rolls back alone.
 * Nobody is answered before the commit that holds their change is on disk.
 *
 * When the database is away, the batch fails with the store's `Unavailable` naming the cause (read-only, full,
 * locked), never with the error of a rollback that SQLite had already done itself. Two conditions are waited on:
 * - a write lock held by another process: BEGIN (IMMEDIATE, see open.ts) is retried asynchronously with backoff,
 *   for up to `lockWaitMs`, so the event loop keeps serving (health checks, reads) while the write waits;
 * - a connection that turned out read-only: reopened before the next batch, so the store recovers by itself once
 *   the file is writable again.
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import type { Metrics } from '../../metrics.js';
import { exponentialJitter, withRetry } from '../../retry.js';
import { asDatabaseUnavailable, isDatabaseUnavailable } from '../errors.js';
import type { Database } from '../schema.js';
import type { Transact, UnitOfWork } from '../transactions.js';
import { isSqliteBusy } from './errors.js';

interface Pending {
  work: UnitOfWork<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  metrics: Metrics;
  /** Replaces a connection that can no longer write (open.ts); called between transactions. */
  reopenIfStale(): void;
  maxBatch?: number;
  /** How long a transaction waits, in total, for another process's write lock before answering Unavailable. */
  lockWaitMs?: number;
}

const DEFAULT_LOCK_WAIT_MS = 5000;
const LOCK_RETRY_BASE_MS = 10;
const LOCK_RETRY_CAP_MS = 250;

const lockedElsewhere = (error: unknown) => isDatabaseUnavailable(error) && isSqliteBusy(error.cause);
const seconds = (since: number) => (performance.now() - since) / 1000;

export function groupCommitTransact(db: Kysely<Database>, options: GroupCommitOptions): Transact {
  const { metrics } = options;
  const maxBatch = options.maxBatch ?? 64;
  const lockWaitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  const queue: Pending[] = [];
  let draining = false;

  /** BEGIN IMMEDIATE, waiting (without blocking the event loop) while another process holds the write lock. */
  async function begin(): Promise<ControlledTransaction<Database>> {
    const deadline = performance.now() + lockWaitMs;
    const backoff = exponentialJitter(LOCK_RETRY_BASE_MS, LOCK_RETRY_CAP_MS);
    return withRetry(
      async () => {
        options.reopenIfStale();
        return db.startTransaction().execute();
      },
      // Bounded by time rather than count: each attempt blocks for at most the busy timeout.
      { attempts: Number.MAX_SAFE_INTEGER, retryOn: (error) => lockedElsewhere(error) && performance.now() < deadline, delayMs: backoff },
    );
  }

  async function runBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let trx: ControlledTransaction<Database>;
    try {
      trx = await begin();
    } catch (error) {
      const reported = asDatabaseUnavailable(error) ?? error;
      for (const unit of batch) unit.reject(reported);
      return;
    }
    const outcomes: Array<() => void> = [];
    try {
      if (batch.length === 1) {
        const [unit] = batch as [Pending];
        const value = await unit.work(trx);
        outcomes.push(() => unit.resolve(value));
      } else {
        for (const [index, unit] of batch.entries()) {
          const name = `unit_${index}`;
          const savepoint = await trx.savepoint(name).execute();
          try {
            const value = await unit.work(savepoint);
            await savepoint.releaseSavepoint(name).execute();
            outcomes.push(() => unit.resolve(value));
          } catch (error) {
            // The database itself failing (full disk, I/O) fails the whole batch: SQLite may already have rolled
            // the transaction back, so there is no savepoint left to return to.
            if (isDatabaseUnavailable(error)) throw error;
            await savepoint.rollbackToSavepoint(name).execute();
            await savepoint.releaseSavepoint(name).execute();
            outcomes.push(() => unit.reject(error));
          }
        }
      }
      const committing = performance.now();
      await trx.commit().execute();
      metrics.commitBatch('sqlite', batch.length, seconds(committing));
      metrics.transaction('sqlite', seconds(started), 'commit');
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      metrics.transaction('sqlite', seconds(started), 'rollback');
      // A single unit's own error is its answer; in a batch, what failed the transaction fails every unit in it.
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
