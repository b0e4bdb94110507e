/**
 * The audit trail's hash chain, as pure functions: how a record is hashed, and how an anchor is signed.
 *
 * Each owner (owners.ts) has its own chain: record n carries `prev_hash` = hash of record n-1 (GENESIS_HASH for
 * record 1) and `hash` = SHA-256 of a canonical encoding of all its columns, `prev_hash` included. Editing a record
 * changes its hash; deleting one leaves a gap in the sequence; inserting one breaks the link of its neighbour.
 * Anyone can recompute an unkeyed hash, so anchors (a chain's sequence and hash signed by a key held in the vault)
 * pin the chain: records up to the newest anchor cannot be rewritten without the vault's key.
 */
import { createHash, createHmac } from 'node:crypto';
import type { AuditAnchorsTable, AuditLogTable } from '../store/schema.js';

/** The predecessor of every chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

const RECORD_FORMAT = 'tessera-audit-record-v1';
const ANCHOR_FORMAT = 'tessera-audit-anchor-v1';

/**
 * The bytes a record's hash is taken over: a JSON array in a fixed order, of strings, numbers and nulls only, so
 * one record has exactly one encoding on every engine and in every version of Node.
 */
export function canonicalRecord(record: Omit<AuditLogTable, 'hash'>): string {
  return JSON.stringify([
    RECORD_FORMAT,
    record.owner,
    record.sequence,
    record.prev_hash,
    record.id,
    record.at,
    record.actor,
    record.action,
    record.object_type,
    record.object_id,
    record.status_before,
    record.status_after,
    record.reason,
    record.detail,
  ]);
}

export function recordHash(record: Omit<AuditLogTable, 'hash'>): string {
  return createHash('sha256').update(canonicalRecord(record)).digest('hex');
}

export type AnchorClaim = Pick<AuditAnchorsTable, 'owner' | 'sequence' | 'hash' | 'created_at'>;

export function anchorSignature(key: Buffer, anchor: AnchorClaim): string {
  return createHmac('sha256', key)
    .update(JSON.stringify([ANCHOR_FORMAT, anchor.owner, anchor.sequence, anchor.hash, anchor.created_at]))
    .digest('hex');
}
