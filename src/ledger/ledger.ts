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
import { claimNextPosition, insertAudit, insertEvent, nextSequence, setHeadHash } from './dal.js';

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

/** An event as its emitter describes it; the ledger adds its id, time and place in its subject's order. */
export interface EventDraft {
  type: string;
  /** Who may subscribe to it: `merchantOwner(id)` or `accountOwner(id)` (owners.ts). */
  owner: string;
  /** What it is about (the token): events of one subject are delivered in their commit order. */
  subject: string;
  /** Non-sensitive data only: never a PAN, CVV, PAN expiry, cardholder name or secret (refused here). */
  data: Record<string, unknown>;
}

/** Field names that would carry card data or secrets; an event naming one is a bug, refused before it is stored. */
const SENSITIVE_FIELD = /^(pan|cvv|cvc|cvv2|card_?number|cardholder_?name|holder_?name|expiry_?(month|year|date)|pan_expiry|encrypted_?card)$|secret/i;

function assertNoSensitiveFields(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value)) {
    if (SENSITIVE_FIELD.test(key)) throw new Error(`event data must not carry ${path}${key}`);
    assertNoSensitiveFields(inner, `${path}${key}.`);
  }
}

/**
 * Writes an event into the outbox, in the transaction of the change it describes. Its sequence number is taken from
 * its subject's counter row, which the transaction locks until it commits: events of one subject are therefore
 * numbered in commit order on both engines, whatever else runs concurrently. Returns the event's id.
 */
export async function emitEvent(tx: Tx, event: EventDraft, at: Date): Promise<string> {
  assertNoSensitiveFields(event.data, '');
  const id = randomUUID();
  const seq = await nextSequence(tx, event.subject);
  await insertEvent(tx, {
    id,
    type: event.type,
    owner: event.owner,
    subject: event.subject,
    seq,
    payload: JSON.stringify(event.data),
    created_at: at.toISOString(),
    published_at: null,
    nats_published_at: null,
  });
  return id;
}

/** The ledger bound to a clock, for services that do not pick the time of their records themselves. */
export interface Ledger {
  audit(tx: Tx, entry: AuditEntry): Promise<void>;
  event(tx: Tx, event: EventDraft): Promise<string>;
}

export function createLedger(clock: Clock): Ledger {
  return {
    audit: (tx, entry) => recordAudit(tx, entry, clock()),
    event: (tx, event) => emitEvent(tx, event, clock()),
  };
}
