/**
 * One transaction per unit of work, retried on serialization failures (what CockroachDB and YugabyteDB ask of
 * clients); a bounded number of attempts, through the one retry helper.
 */
import type { Kysely } from 'kysely';
import { withRetry } from '../../retry.js';
import type { Database } from '../schema.js';
import type { Transact } from '../transactions.js';
import { isSerializationFailure } from './errors.js';

export const SERIALIZATION_ATTEMPTS = 3;

export function retryingTransact(db: Kysely<Database>): Transact {
  return (work) => withRetry(() => db.transaction().execute(work), { attempts: SERIALIZATION_ATTEMPTS, retryOn: isSerializationFailure });
}
