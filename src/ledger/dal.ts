/** The ledger's SQL: one insert into the audit trail, one into the event outbox, always inside a transaction. */
import type { Insertable } from 'kysely';
import type { AuditLogTable, EventsTable } from '../store/schema.js';
import type { Tx } from '../store/transactions.js';

export async function insertAudit(tx: Tx, row: Insertable<AuditLogTable>): Promise<void> {
  await tx.insertInto('audit_log').values(row).execute();
}

export async function insertEvent(tx: Tx, row: Insertable<EventsTable>): Promise<void> {
  await tx.insertInto('events').values(row).execute();
}

/** The next sequence number of `subject`: its counter row is created or incremented, and stays locked until commit. */
export async function nextSequence(tx: Tx, subject: string): Promise<number> {
  const row = await tx
    .insertInto('event_sequences')
    .values({ subject, last_seq: 1 })
    .onConflict((oc) => oc.column('subject').doUpdateSet((eb) => ({ last_seq: eb('event_sequences.last_seq', '+', 1) })))
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}
