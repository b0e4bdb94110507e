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
