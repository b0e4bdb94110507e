/**
 * How a unit of work is committed, whatever the engine: `transact(work)` runs `work` in a transaction and
 * resolves only once its change is durable. Each engine says how (sqlite/transact.ts: group commit;
 * postgres/transact.ts: one transaction per unit, retried on serialization failures).
 */
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';

export type UnitOfWork<T> = (tx: Transaction<Database>) => Promise<T>;
export type Transact = <T>(work: UnitOfWork<T>) => Promise<T>;
