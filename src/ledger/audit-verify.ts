/**
 * `tessera audit verify`: walks every audit chain in sequence order, with its anchors and head, and names the first
 * record of each chain that is not what the ledger wrote. What each finding means:
 *
 * - `edited`: the record's hash is not the hash of its columns (a column was changed), or the record's successor
 *   chains to another hash than its own (it was changed and its hash recomputed).
 * - `deleted`: a sequence is missing (between two records, before the first, or after the last one the head or an
 *   anchor knows of). The missing sequences are named, and the records either side.
 * - `inserted`: a second record at a taken position, a record beyond the chain's head, a record that does not chain
 *   to a predecessor proven by an anchor, or a record outside any chain.
 * - `rewritten`: a record's hash is not the one its anchor signed: records after the previous anchor up to it were
 *   rewritten with recomputed hashes (only someone without the vault's key would leave that trace).
 * - `anchor_invalid`: an anchor whose signature does not verify (forged or edited); it vouches for nothing.
 *
 * A chain may start after sequence 1 (a future retention of old records) only where a valid anchor vouches for the
 * hash its first remaining record names as predecessor; otherwise the missing start is reported as deleted.
 */
import type { AuditAnchorsTable } from '../store/schema.js';
import { anchorSignature, GENESIS_HASH, recordHash } from './audit-chain.js';
import type { AnchorKey } from './anchors.js';
import { anchorKeyVersions, anchorsOf, type AuditRow, auditOwners, chainPage, type ReadDb, headOf, inSnapshot } from './dal.js';
import type { Executor } from '../store/transactions.js';

export type FindingKind = 'edited' | 'deleted' | 'inserted' | 'rewritten' | 'anchor_invalid';

export interface AuditFinding {
  owner: string;
  kind: FindingKind;
  /** The record named (for `deleted`: the first missing sequence; for `anchor_invalid`: the anchor's). */
  sequence: number;
  id?: string;
  /** `deleted`: the last missing sequence. */
  through?: number;
  /** `rewritten`: the first sequence that may have been rewritten (the one after the previous anchor). */
  since?: number;
  /** `deleted`: the records either side of the gap, when there are any. */
  after?: { id: string; sequence: number };
  before?: { id: string; sequence: number };
  reason: string;
}

export interface ChainSummary {
  owner: string;
  records: number;
  anchors: number;
  /** The first sequence still stored (1 unless old records were removed under an anchor). */
  from: number;
  head: number;
  /** The newest sequence a valid anchor signed (0: none yet): records after it are proven by the chain alone. */
  anchored: number;
}

export interface VerifyReport {
  intact: boolean;
  chains: number;
  records: number;
  anchors: number;
  /** The first finding of each chain that has one. */
  findings: AuditFinding[];
  summary: ChainSummary[];
}

const PAGE = 1000;

async function* groupsOf(db: Executor, owner: string): AsyncGenerator<AuditRow[]> {
  let group: AuditRow[] = [];
  let after: { sequence: number; id: string } | undefined;
  for (;;) {
    const page = await chainPage(db, owner, after, PAGE);
    for (const row of page) {
      if (group.length > 0 && group[0]!.sequence !== row.sequence) {
        yield group;
        group = [];
      }
      group.push(row);
    }
    if (page.length < PAGE) break;
    const last = page[page.length - 1]!;
    after = { sequence: last.sequence, id: last.id };
  }
  if (group.length > 0) yield group;
}

const hashIsValid = (row: AuditRow) => {
  const { hash, ...columns } = row;
  return recordHash(columns) === hash;
};

const ref = (row: AuditRow) => ({ id: row.id, sequence: row.sequence });

async function verifyChain(db: Executor, owner: string, keys: ReadonlyMap<number, Buffer>): Promise<{ findings: AuditFinding[]; summary: ChainSummary }> {
  const findings: AuditFinding[] = [];
  const anchors = new Map<number, AuditAnchorsTable>();
  const stored = await anchorsOf(db, owner);
  for (const anchor of stored) {
    const key = keys.get(anchor.key_version);
    const valid = key !== undefined && anchor.signature === anchorSignature(key, anchor);
    if (valid) anchors.set(anchor.sequence, anchor);
    else if (!findings.some((f) => f.kind === 'anchor_invalid')) {
      findings.push({ owner, kind: 'anchor_invalid', sequence: anchor.sequence, reason: 'the anchor signature does not verify with the vault key' });
    }
  }
  const head = await headOf(db, owner);
  const summary: ChainSummary = { owner, records: 0, anchors: stored.length, from: 0, head: head?.sequence ?? 0, anchored: 0 };
  const finding = (f: Omit<AuditFinding, 'owner'>) => {
    findings.push({ owner, ...f });
    return { findings, summary };
  };
  if (owner === '') {
    // Records outside any chain: written around the ledger.
    for await (const group of groupsOf(db, owner)) {
      const row = group[0]!;
      return finding({ kind: 'inserted', sequence: row.sequence, id: row.id, reason: 'the record belongs to no chain' });
    }
    return { findings, summary };
  }

  let previous: AuditRow | undefined;
  let previousProven = false;
  let lastAnchor = 0;
  const groups = groupsOf(db, owner);

  /** Checks one position (its candidates) knowing the next position's records; the record kept there, or a finding. */
  const check = (group: AuditRow[], next: AuditRow[] | undefined): AuditRow | AuditFinding => {
    const sequence = group[0]!.sequence;
    let expectedPrev: string;
    if (previous) {
      if (sequence !== previous.sequence + 1) {
        return {
          owner,
          kind: 'deleted',
          sequence: previous.sequence + 1,
          through: sequence - 1,
          after: ref(previous),
          before: ref(group[0]!),
          reason: 'sequences are missing',
        };
      }
      expectedPrev = previous.hash;
    } else if (sequence === 1) {
      expectedPrev = GENESIS_HASH;
    } else {
      const base = anchors.get(sequence - 1);
      if (!base || base.hash !== group[0]!.prev_hash) {
        return {
          owner,
          kind: 'deleted',
          sequence: 1,
          through: sequence - 1,
          before: ref(group[0]!),
          reason: 'the chain does not begin at 1 and no anchor vouches for its start',
        };
      }
      expectedPrev = base.hash;
    }
    if (head && sequence > head.sequence) {
      return { owner, kind: 'inserted', sequence, id: group[0]!.id, reason: "the record lies beyond the chain's head" };
    }
    const linked = group.filter((row) => hashIsValid(row) && row.prev_hash === expectedPrev);
    if (group.length > 1) {
      const vouched = (row: AuditRow) =>
        anchors.get(sequence)?.hash === row.hash || (head?.sequence === sequence && head.hash === row.hash) || next?.some((n) => n.prev_hash === row.hash);
      const genuine = linked.find(vouched) ?? linked[0];
      const extra = group.find((row) => row !== genuine)!;
      return { owner, kind: 'inserted', sequence, id: extra.id, reason: 'a second record at a position already taken' };
    }
    const row = group[0]!;
    if (!hashIsValid(row)) return { owner, kind: 'edited', sequence, id: row.id, reason: 'the hash is not the hash of its columns' };
    if (row.prev_hash !== expectedPrev) {
      if (previous && !previousProven) {
        return {
          owner,
          kind: 'edited',
          sequence: previous.sequence,
          id: previous.id,
          reason: 'its successor chains to another hash: it was changed and re-hashed',
        };
      }
      return { owner, kind: 'inserted', sequence, id: row.id, reason: 'the record does not chain to its predecessor' };
    }
    const anchor = anchors.get(sequence);
    if (anchor && anchor.hash !== row.hash) {
      return {
        owner,
        kind: 'rewritten',
        sequence,
        id: row.id,
        since: lastAnchor + 1,
        reason: 'the hash is not the one its anchor signed: records since the previous anchor were rewritten',
      };
    }
    return row;
  };

  let group = (await groups.next()).value;
  while (group) {
    const following = await groups.next();
    const next = following.done ? undefined : following.value;
    summary.records += group.length;
    const outcome = check(group, next);
    if (!('hash' in outcome)) return finding(outcome);
    if (summary.from === 0) summary.from = outcome.sequence;
    // Past this point the record's hash is known good; an anchor on it also proves it was the ledger's.
    previousProven = anchors.has(outcome.sequence);
    if (previousProven) {
      lastAnchor = outcome.sequence;
      summary.anchored = outcome.sequence;
    }
    previous = outcome;
    group = next;
  }

  const lastKnown = Math.max(head?.sequence ?? 0, ...anchors.keys());
  if (previous && lastKnown > previous.sequence) {
    return finding({
      kind: 'deleted',
      sequence: previous.sequence + 1,
      through: lastKnown,
      after: ref(previous),
      reason: 'records after the last one were removed',
    });
  }
  if (previous && head && head.hash !== previous.hash) {
    return finding({
      kind: 'edited',
      sequence: previous.sequence,
      id: previous.id,
      reason: "the chain's head names another hash: it was changed and re-hashed",
    });
  }
  if (!previous && head && !(anchors.get(head.sequence)?.hash === head.hash)) {
    return finding({ kind: 'deleted', sequence: 1, through: head.sequence, reason: 'every record of the chain was removed' });
  }
  if (previous && !head) {
    return finding({ kind: 'inserted', sequence: summary.from, reason: 'records of a chain that has no head' });
  }
  return { findings, summary };
}

export async function verifyAuditTrail(db: ReadDb, key: AnchorKey): Promise<VerifyReport> {
  const report: VerifyReport = { intact: true, chains: 0, records: 0, anchors: 0, findings: [], summary: [] };
  // Every key version an anchor names, unwrapped before any snapshot opens (SQLite: one connection, which the
  // snapshot holds). A version the vault does not have signs nothing valid.
  const keys = new Map<number, Buffer>();
  for (const version of await anchorKeyVersions(db)) {
    const unwrapped = await key.get(version);
    if (unwrapped) keys.set(version, unwrapped);
  }
  for (const owner of await auditOwners(db)) {
    const { findings, summary } = await inSnapshot(db, (tx) => verifyChain(tx, owner, keys));
    if (owner !== '') {
      report.chains += 1;
      report.summary.push(summary);
    }
    report.records += summary.records;
    report.anchors += summary.anchors;
    report.findings.push(...findings);
  }
  report.intact = report.findings.length === 0;
  return report;
}
