/**
 * The audit trail and the event outbox. Both take the transaction handle of the change they describe, and
 * only a transaction (`Tx`, never the bare database handle): a change, its audit record and its event are
 * committed together or not at all, and the types say so. The time is the caller's (its Clock), never read here.
 *
 * Audit records are appended to their owner's hash chain (audit-chain.ts). Appending locks the chain's head row
 * until the transaction commits, so the appends of one owner are serialized from the audit call to the commit (the
 * audit call is the last write of every transaction that makes one), while other owners' appends run in parallel.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Tx } from '../store/transactions.js';
import { GENESIS_HASH, recordHash } from './audit-chain.js';
import { claimNextPosition, insertAudit, insertEvent, setHeadHash } from './dal.js';

export interface AuditEntry {
  /** Whose chain the record joins: a name from owners.ts (merchantOwner, accountOwner, SYSTEM_OWNER). */
  owner: string;
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

export async function recordAudit(tx: Tx, entry: AuditEntry, at: Date): Promise<void> {
  const time = at.toISOString();
  const position = await claimNextPosition(tx, entry.owner, GENESIS_HASH, time);
  const record = {
    owner: entry.owner,
    sequence: position.sequence,
    prev_hash: position.prevHash,
    id: randomUUID(),
    at: time,
    actor: entry.actor,
    action: entry.action,
    object_type: entry.objectType,
    object_id: entry.objectId,
    status_before: entry.statusBefore ?? null,
    status_after: entry.statusAfter ?? null,
    reason: entry.reason ?? null,
    detail: entry.detail ? JSON.stringify(entry.detail) : null,
  };
  const hash = recordHash(record);
  await insertAudit(tx, { ...record, hash });
  await setHeadHash(tx, entry.owner, hash);
}

export async function emitEvent(tx: Tx, type: string, payload: Record<string, unknown>, at: Date): Promise<void> {
  await insertEvent(tx, { id: randomUUID(), type, payload: JSON.stringify(payload), created_at: at.toISOString(), published_at: null });
}

/** The ledger bound to a clock, for services that do not pick the time of their records themselves. */
export interface Ledger {
  audit(tx: Tx, entry: AuditEntry): Promise<void>;
  event(tx: Tx, type: string, payload: Record<string, unknown>): Promise<void>;
}

export function createLedger(clock: Clock): Ledger {
  return {
    audit: (tx, entry) => recordAudit(tx, entry, clock()),
    event: (tx, type, payload) => emitEvent(tx, type, payload, clock()),
  };
}
