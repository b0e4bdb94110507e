/**
 * One transaction per unit of work. A transaction the server rolled back (serialization failure, deadlock) or
 * that lost its connection before COMMIT was sent is run again from the start, the unit of work included, a
 * bounded number of times with backoff, through the one retry helper. A connection lost DURING commit is not
 * retried: the change may have been applied, so the caller gets Unavailable and decides (every write of the API
 * is safe to repeat).
 */
import type { ControlledTransaction, Kysely } from 'kysely';
import { Unavailable } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import { exponentialJitter, withRetry } from '../../retry.js';
import { isDatabaseUnavailable } from '../errors.js';
import type { Database } from '../schema.js';
import type { Transact, UnitOfWork } from '../transactions.js';
import { isRetryableTransactionConflict } from './errors.js';

export const TRANSACTION_ATTEMPTS = 4;
const RETRY_BASE_MS = 25;
const RETRY_CAP_MS = 400;

/** COMMIT was sent and no answer came back: whether it applied is unknown, so it must not be run again. */
class CommitOutcomeUnknown extends Error {
  constructor(readonly unavailable: Unavailable) {
    super(unavailable.message);
  }
}

const seconds = (since: number) => (performance.now() - since) / 1000;

export function retryingTransact(db: Kysely<Database>, metrics: Metrics): Transact {
  async function once<T>(work: UnitOfWork<T>): Promise<T> {
    const started = performance.now();
    const trx: ControlledTransaction<Database> = await db.startTransaction().execute();
    let value: T;
    try {
      value = await work(trx);
    } catch (error) {
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      metrics.transaction('postgres', seconds(started), 'rollback');
      throw error;
    }
    const committing = performance.now();
    try {
      await trx.commit().execute();
    } catch (error) {
      // Kysely releases the connection after a commit only when it succeeds; a rollback releases it in any case.
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      metrics.transaction('postgres', seconds(started), 'rollback');
      if (isDatabaseUnavailable(error)) {
        throw new CommitOutcomeUnknown(
          new Unavailable('database', `${error.message} while committing: the change may or may not have been applied`, 1, { cause: error }),
        );
      }
      throw error;
    }
    metrics.commitBatch('postgres', 1, seconds(committing));
    metrics.transaction('postgres', seconds(started), 'commit');
    return value;
  }

  return async (work) => {
    try {
      return await withRetry(() => once(work), {
        attempts: TRANSACTION_ATTEMPTS,
        retryOn: (error) => isRetryableTransactionConflict(error) || isDatabaseUnavailable(error),
        delayMs: exponentialJitter(RETRY_BASE_MS, RETRY_CAP_MS),
      });
    } catch (error) {
      if (error instanceof CommitOutcomeUnknown) throw error.unavailable;
      if (isRetryableTransactionConflict(error)) {
        throw new Unavailable('database', 'concurrent transactions kept conflicting (serialization failure or deadlock)', 1, { cause: error });
      }
      throw error;
    }
  };
}
