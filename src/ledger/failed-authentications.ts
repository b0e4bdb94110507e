/**
 * Failed authentications in the audit trail (the system chain), without letting a flood grow it without bound.
 *
 * Per minute, the first failure of each (edge, attempted identity, client address) is recorded at once
 * (`auth.failed`, count 1); later ones in that minute are only counted, and written as one `auth.failed.repeated`
 * record with their count when the minute is over (at the next failure, or the periodic flush). Past
 * `keysPerMinute` distinct identities in a minute, the rest of that minute's failures are pooled into one bucket per
 * edge (identity and address `*`). So a minute adds at most 2 × (keysPerMinute + edges) records, whatever comes.
 * Each write is a transaction of its own: there is no change to go with it.
 */
import type { Clock } from '../clock.js';
import { Unauthorized } from '../errors.js';
import { SYSTEM_OWNER } from '../owners.js';
import type { Transact } from '../store/transactions.js';
import { recordAudit } from './ledger.js';

export type AuthEdge = 'merchant' | 'account' | 'admin';

export interface FailedAuthentication {
  edge: AuthEdge;
  /** The API key id or token subject it claimed (attempted-identity.ts); never a secret. Null: it claimed none. */
  attempted: string | null;
  /** The token's `kid`, when it had one. */
  kid?: string;
  address: string;
}

export interface FailedAuthAudit {
  /** Never rejects: a trail that cannot be written is reported to `onError`, and the caller still answers 401. */
  record(attempt: FailedAuthentication): Promise<void>;
  /** Writes the counts of minutes that are over. */
  flush(): Promise<void>;
}

export interface FailedAuthAuditDeps {
  transact: Transact;
  clock: Clock;
  keysPerMinute: number;
  onError(error: unknown): void;
}

const MINUTE_MS = 60_000;
const POOLED = '*';

interface Bucket {
  attempt: FailedAuthentication;
  /** Failures after the first, not yet written. */
  repeats: number;
  pooled: boolean;
}

export function createFailedAuthAudit({ transact, clock, keysPerMinute, onError }: FailedAuthAuditDeps): FailedAuthAudit {
  let minute = Math.floor(clock().getTime() / MINUTE_MS);
  let buckets = new Map<string, Bucket>();
  let distinct = 0;

  const entry = (bucket: Bucket, action: string, count: number, windowStart: number) => ({
    owner: SYSTEM_OWNER,
    actor: 'unauthenticated',
    action,
    objectType: 'credential',
    objectId: `${bucket.attempt.edge}:${bucket.attempt.attempted ?? 'none'}`,
    detail: {
      edge: bucket.attempt.edge,
      attempted: bucket.attempt.attempted,
      ...(bucket.attempt.kid !== undefined ? { kid: bucket.attempt.kid } : {}),
      address: bucket.attempt.address,
      count,
      minute: new Date(windowStart * MINUTE_MS).toISOString(),
      ...(bucket.pooled ? { pooled: true } : {}),
    },
  });

  async function closeMinute(now: number): Promise<void> {
    const current = Math.floor(now / MINUTE_MS);
    if (current === minute) return;
    const ended = buckets;
    const endedMinute = minute;
    buckets = new Map();
    distinct = 0;
    minute = current;
    const repeated = [...ended.values()].filter((bucket) => bucket.repeats > 0);
    if (repeated.length === 0) return;
    const at = clock();
    await transact(async (tx) => {
      for (const bucket of repeated) await recordAudit(tx, entry(bucket, 'auth.failed.repeated', bucket.repeats, endedMinute), at);
    });
  }

  async function record(attempt: FailedAuthentication): Promise<void> {
    const at = clock();
    await closeMinute(at.getTime());
    const key = `${attempt.edge}\n${attempt.attempted ?? ''}\n${attempt.address}`;
    const known = buckets.get(key);
    if (known) {
      known.repeats += 1;
      return;
    }
    if (distinct >= keysPerMinute) {
      const poolKey = `${attempt.edge}\n${POOLED}`;
      const pool = buckets.get(poolKey);
      if (pool) {
        pool.repeats += 1;
        return;
      }
      const pooled: Bucket = { attempt: { edge: attempt.edge, attempted: POOLED, address: POOLED }, repeats: 0, pooled: true };
      buckets.set(poolKey, pooled);
      await transact((tx) => recordAudit(tx, entry(pooled, 'auth.failed', 1, minute), at));
      return;
    }
    const bucket: Bucket = { attempt, repeats: 0, pooled: false };
    buckets.set(key, bucket);
    distinct += 1;
    await transact((tx) => recordAudit(tx, entry(bucket, 'auth.failed', 1, minute), at));
  }

  return {
    record: (attempt) => record(attempt).catch(onError),
    flush: () => closeMinute(clock().getTime()).catch(onError),
  };
}

/** Runs an authentication; when it fails as unauthorized, records `attempt()` first, then fails alike. */
export async function auditingFailures<T>(audit: FailedAuthAudit | undefined, attempt: () => FailedAuthentication, authenticate: () => Promise<T>): Promise<T> {
  try {
    return await authenticate();
  } catch (error) {
    if (audit && error instanceof Unauthorized) await audit.record(attempt());
    throw error;
  }
}
