/**
 * Anchors: now and then, each audit chain's head (owner, sequence, hash) is signed with HMAC-SHA256 under a key held
 * in the vault (the system's `audit-anchor` data key, wrapped by the master key) and stored. Whoever can write the
 * database but not read the vault cannot rewrite a chain below its newest anchor: the anchor's hash would no longer
 * be the record's, and a new signature cannot be made. A chain is anchored once `everyRecords` records were
 * appended since its last anchor, or once its last anchor is `intervalMs` old and records came after it.
 *
 * Anchors are also what lets the oldest records of a chain be removed one day (retention): a chain may begin after
 * sequence 1 when an anchor vouches for the hash its first remaining record names as predecessor (audit-verify.ts).
 */
import type { Clock } from '../clock.js';
import type { Executor, Transact } from '../store/transactions.js';
import { anchorSignature } from './audit-chain.js';
import { chainHead, headsDueAnAnchor, insertAnchor } from './dal.js';
import type { FailedAuthAudit } from './failed-authentications.js';

/** The vault's anchor key: its current version to sign with, any version to check with. */
export interface AnchorKey {
  current(): Promise<{ version: number; key: Buffer }>;
  /** Undefined when the vault has no such version; throws when it has one the master key cannot open. */
  get(version: number): Promise<Buffer | undefined>;
}

export interface AnchorPolicy {
  /** TESSERA_AUDIT_ANCHOR_EVERY: records appended to a chain after which it is anchored. */
  everyRecords: number;
  /** TESSERA_AUDIT_ANCHOR_INTERVAL_SECONDS (in ms here): the longest a chain's newest records stay unanchored. */
  intervalMs: number;
}

export interface AnchorDeps {
  db: Executor;
  transact: Transact;
  key: AnchorKey;
  clock: Clock;
  policy: AnchorPolicy;
}

export interface AuditAnchors {
  /** Anchors every chain that is due (`all`: every chain with unanchored records, now). How many anchors it wrote. */
  anchorDue(options?: { all?: boolean }): Promise<number>;
}

export function createAuditAnchors({ db, transact, key, clock, policy }: AnchorDeps): AuditAnchors {
  return {
    async anchorDue(options = {}) {
      const now = clock();
      const stale = options.all ? now.toISOString() : new Date(now.getTime() - policy.intervalMs).toISOString();
      const owners = await headsDueAnAnchor(db, options.all ? 1 : policy.everyRecords, stale);
      if (owners.length === 0) return 0;
      // Read before the transaction: the key may have to be loaded from the database (SQLite has one connection).
      const signing = await key.current();
      return transact(async (tx) => {
        let written = 0;
        for (const owner of owners) {
          const head = await chainHead(tx, owner);
          if (!head) continue;
          const claim = { owner, sequence: head.sequence, hash: head.hash, created_at: now.toISOString() };
          await insertAnchor(tx, { ...claim, key_version: signing.version, signature: anchorSignature(signing.key, claim) });
          written += 1;
        }
        return written;
      });
    },
  };
}

/** The subset of a pino logger the anchoring loop uses. */
export interface AnchorLogger {
  warn(obj: object, msg: string): void;
}

export interface AnchorLoop {
  stop(): Promise<void>;
}

/**
 * Checks for due chains every `checkMs`; runs never overlap; a failed run is logged and the next one tries again.
 * `failedAuth`'s minutes that are over are written on the same beat.
 */
export function startAnchorLoop(anchors: AuditAnchors, checkMs: number, logger: AnchorLogger, failedAuth?: Pick<FailedAuthAudit, 'flush'>): AnchorLoop {
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    running = Promise.all([anchors.anchorDue(), failedAuth?.flush()])
      .catch((error: unknown) => logger.warn({ err: error }, 'audit anchoring failed; the next run tries again'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, checkMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
