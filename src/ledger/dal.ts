/**
 * The ledger's SQL: the audit trail (records, chain heads, anchors) and the event outbox. Writes happen inside the
 * caller's transaction.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AuditAnchorsTable, AuditLogTable, Database, EventsTable } from '../store/schema.js';
import type { Executor, Tx } from '../store/transactions.js';

export async function insertAudit(tx: Tx, row: Insertable<AuditLogTable>): Promise<void> {
  await tx.insertInto('audit_log').values(row).execute();
}

export async function insertEvent(tx: Tx, row: Insertable<EventsTable>): Promise<void> {
  await tx.insertInto('events').values(row).execute();
}

/** Which consumer of the outbox an event is still waiting for: the webhook fan-out or the NATS publisher. */
export type OutboxMark = 'published_at' | 'nats_published_at';

/**
 * The oldest events `mark` has not handled yet, only the first of each subject: a later event of a subject waits
 * until every earlier one is handled, so each consumer sees a subject's events in their commit order. Returned
 * unexecuted, for the caller to lock (`FOR UPDATE SKIP LOCKED`) if it shares the work with other instances.
 */
export function firstUnhandledPerSubject(db: Executor, mark: OutboxMark, limit: number) {
  return db
    .selectFrom('events as e')
    .selectAll('e')
    .where(`e.${mark}`, 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(selectFrom('events as p').select('p.id').whereRef('p.subject', '=', 'e.subject').where(`p.${mark}`, 'is', null).whereRef('p.seq', '<', 'e.seq')),
      ),
    )
    .orderBy('e.created_at')
    .orderBy('e.seq')
    .limit(limit);
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

export interface ChainPosition {
  sequence: number;
  prevHash: string;
}

/**
 * Claims the next position of `owner`'s chain. The UPDATE takes the head row's lock (PostgreSQL: until commit, so a
 * concurrent appender to the same chain waits here and then reads this transaction's head; SQLite has one writer).
 * A chain's first record inserts its head instead; of two racing first appenders the loser's insert does nothing
 * (it waited for the winner's commit) and it takes the UPDATE path.
 */
export async function claimNextPosition(tx: Tx, owner: string, genesisHash: string, at: string): Promise<ChainPosition> {
  for (;;) {
    const advanced = await tx
      .updateTable('audit_chain_heads')
      .set((eb) => ({ sequence: eb('sequence', '+', 1), updated_at: at }))
      .where('owner', '=', owner)
      .returning(['sequence', 'hash'])
      .executeTakeFirst();
    if (advanced) return { sequence: Number(advanced.sequence), prevHash: advanced.hash };
    const created = await tx
      .insertInto('audit_chain_heads')
      .values({ owner, sequence: 1, hash: genesisHash, updated_at: at, anchored_sequence: 0, anchored_at: at })
      .onConflict((oc) => oc.column('owner').doNothing())
      .returning('owner')
      .executeTakeFirst();
    if (created) return { sequence: 1, prevHash: genesisHash };
  }
}

/** Records the hash of the record just appended at the head (still under the head's lock). */
export async function setHeadHash(tx: Tx, owner: string, hash: string): Promise<void> {
  await tx.updateTable('audit_chain_heads').set({ hash }).where('owner', '=', owner).execute();
}

export type AuditRow = Selectable<AuditLogTable>;
export type ReadDb = Kysely<Database>;

/** A record written before the audit chain existed (migration 0006): owner '' and sequence 0. */
export interface UnchainedRecord extends AuditRow {
  /** The issuer account of the network token it describes, when it describes one. */
  token_account_id: number | null;
}

export async function unchainedRecords(tx: Tx, limit: number): Promise<UnchainedRecord[]> {
  const rows = await tx
    .selectFrom('audit_log')
    .leftJoin('network_tokens', (join) => join.onRef('network_tokens.id', '=', 'audit_log.object_id').on('audit_log.object_type', '=', 'network_token'))
    .selectAll('audit_log')
    .select('network_tokens.account_id as token_account_id')
    .where('audit_log.sequence', '=', 0)
    .orderBy('audit_log.at')
    .orderBy('audit_log.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, token_account_id: row.token_account_id === null ? null : Number(row.token_account_id) }));
}

/**
 * Takes an unchained record for this transaction (its sequence becomes -1 until chained): of two instances chaining
 * at once, the second waits for the first's commit, then finds the record chained and leaves it.
 */
export async function claimUnchained(tx: Tx, id: string): Promise<boolean> {
  const result = await tx.updateTable('audit_log').set({ sequence: -1 }).where('id', '=', id).where('sequence', '=', 0).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function chainRecord(tx: Tx, id: string, link: Pick<AuditLogTable, 'owner' | 'sequence' | 'prev_hash' | 'hash'>): Promise<void> {
  await tx.updateTable('audit_log').set(link).where('id', '=', id).execute();
}

export interface DueHead {
  owner: string;
  sequence: number;
  hash: string;
}

/** Chains with records after their newest anchor that are due one: `everyRecords` of them, or the last anchor taken at or before `stale`. */
export async function headsDueAnAnchor(db: Executor, everyRecords: number, stale: string): Promise<string[]> {
  const rows = await db
    .selectFrom('audit_chain_heads')
    .select('owner')
    .where((eb) =>
      eb.or([
        eb('sequence', '>=', eb('anchored_sequence', '+', everyRecords)),
        eb.and([eb('sequence', '>', eb.ref('anchored_sequence')), eb('anchored_at', '<=', stale)]),
      ]),
    )
    .orderBy('owner')
    .execute();
  return rows.map((row) => row.owner);
}

/** The committed head of a chain, read inside the anchoring transaction. */
export async function chainHead(db: Executor, owner: string): Promise<DueHead | undefined> {
  const row = await db.selectFrom('audit_chain_heads').select(['owner', 'sequence', 'hash']).where('owner', '=', owner).executeTakeFirst();
  return row ? { owner: row.owner, sequence: Number(row.sequence), hash: row.hash } : undefined;
}

/** Stores an anchor (once: a second instance anchoring the same head adds nothing) and moves the chain's schedule. */
export async function insertAnchor(tx: Tx, anchor: AuditAnchorsTable): Promise<void> {
  await tx
    .insertInto('audit_anchors')
    .values(anchor)
    .onConflict((oc) => oc.columns(['owner', 'sequence']).doNothing())
    .execute();
  await tx
    .updateTable('audit_chain_heads')
    .set({ anchored_sequence: anchor.sequence, anchored_at: anchor.created_at })
    .where('owner', '=', anchor.owner)
    .where('anchored_sequence', '<', anchor.sequence)
    .execute();
}

export async function anyChainExists(db: Executor): Promise<boolean> {
  return (await db.selectFrom('audit_chain_heads').select('owner').limit(1).executeTakeFirst()) !== undefined;
}

/** Every owner the trail knows of: from its records (unchained ones under ''), heads and anchors. */
export async function auditOwners(db: Executor): Promise<string[]> {
  const [records, heads, anchors] = await Promise.all([
    db.selectFrom('audit_log').select('owner').distinct().execute(),
    db.selectFrom('audit_chain_heads').select('owner').execute(),
    db.selectFrom('audit_anchors').select('owner').distinct().execute(),
  ]);
  return [...new Set([...records, ...heads, ...anchors].map((row) => row.owner))].sort();
}

/**
 * Runs `work` on one consistent view of the database: PostgreSQL REPEATABLE READ (one snapshot for every query of
 * it), SQLite a read transaction (WAL: a snapshot too). Verifying a chain while it grows sees it as of one moment.
 */
export function inSnapshot<T>(db: ReadDb, work: (tx: Executor) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').execute(work);
}

export async function headOf(db: Executor, owner: string) {
  const row = await db.selectFrom('audit_chain_heads').selectAll().where('owner', '=', owner).executeTakeFirst();
  return row ? { ...row, sequence: Number(row.sequence) } : undefined;
}

export async function anchorsOf(db: Executor, owner: string): Promise<AuditAnchorsTable[]> {
  const rows = await db.selectFrom('audit_anchors').selectAll().where('owner', '=', owner).orderBy('sequence').execute();
  return rows.map((row) => ({ ...row, sequence: Number(row.sequence), key_version: Number(row.key_version) }));
}

/** One page of a chain in order (sequence, then id: duplicates of a position are adjacent), after `after`. */
export async function chainPage(db: Executor, owner: string, after: { sequence: number; id: string } | undefined, limit: number): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll().where('owner', '=', owner);
  if (after) {
    query = query.where((eb) => eb.or([eb('sequence', '>', after.sequence), eb.and([eb('sequence', '=', after.sequence), eb('id', '>', after.id)])]));
  }
  const rows = await query.orderBy('sequence').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ ...row, sequence: Number(row.sequence) }));
}

export async function anchorKeyVersions(db: Executor): Promise<number[]> {
  const rows = await db.selectFrom('audit_anchors').select('key_version').distinct().execute();
  return rows.map((row) => Number(row.key_version));
}

export interface AuditFilter {
  owner?: string;
  objectId?: string;
  action?: string;
  /** ISO-8601 times: records at or after `from`, before `to`. */
  from?: string;
  to?: string;
}

/** Matching records in (at, id) order after the position `after`. */
export async function auditRecordsPage(db: Executor, filter: AuditFilter, after: { at: string; id: string } | undefined, limit: number): Promise<AuditRow[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.owner !== undefined) query = query.where('owner', '=', filter.owner);
  if (filter.objectId !== undefined) query = query.where('object_id', '=', filter.objectId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('at', '<', filter.to);
  if (after) query = query.where((eb) => eb.or([eb('at', '>', after.at), eb.and([eb('at', '=', after.at), eb('id', '>', after.id)])]));
  const rows = await query.orderBy('at').orderBy('id').limit(limit).execute();
  return rows.map((row) => ({ ...row, sequence: Number(row.sequence) }));
}
