/**
 * How a unit of work is committed, whatever the engine: `transact(work)` runs `work` in a transaction and
 * resolves only once its change is durable. Each engine says how (sqlite/transact.ts: group commit;
 * postgres/transact.ts: one transaction per unit, retried on serialization failures).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

export type UnitOfWork<T> = (tx: Tx) => Promise<T>;
export type Transact = <T>(work: UnitOfWork<T>) => Promise<T>;

/** A handle inside a transaction: what writes that must commit together (a change and its audit record) take. */
export type Tx = Transaction<Database>;
/** Any handle a read may use: the database itself, or a transaction already open. */
export type Executor = Kysely<Database> | Transaction<Database>;
