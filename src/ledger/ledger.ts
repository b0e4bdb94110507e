/**
 * The audit trail and the event outbox. Both are written with the same transaction handle as the change they
 * describe, so a change, its audit record and its event are committed together or not at all.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema.js';

export type Tx = Transaction<Database> | Kysely<Database>;

export interface AuditEntry {
  /** Who: `merchant:<id>`, `admin`, `account:<id>/operator:<id>`… */
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  statusBefore?: string | null;
  statusAfter?: string | null;
  reason?: string | null;
  /** Non-sensitive context only: never card data or secrets. */
  detail?: Record<string, unknown>;
}

export async function recordAudit(tx: Tx, entry: AuditEntry, at = new Date()): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      at: at.toISOString(),
      actor: entry.actor,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId,
      status_before: entry.statusBefore ?? null,
      status_after: entry.statusAfter ?? null,
      reason: entry.reason ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    })
    .execute();
}

export async function emitEvent(tx: Tx, type: string, payload: Record<string, unknown>, at = new Date()): Promise<void> {
  await tx
    .insertInto('events')
    .values({ id: randomUUID(), type, payload: JSON.stringify(payload), created_at: at.toISOString(), published_at: null })
    .execute();
}
