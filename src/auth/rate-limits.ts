/**
 * Rate limits as token buckets: each key (a client address, a credential) holds up to `perMinute` tokens, refilled
 * continuously at `perMinute` a minute; a request takes one, and an empty bucket answers RateLimited with the
 * whole seconds until the next token (the `Retry-After`). Memory is bounded: past `maxKeys` keys, full buckets (which
 * carry no information) are dropped first, then the oldest. Time is the injected clock's, so tests can move it.
 *
 * In memory, per instance: N instances behind a balancer allow up to N times the configured rate in total.
 */
import { RateLimited } from '../errors.js';
import type { Clock } from '../clock.js';

const DEFAULT_MAX_KEYS = 50_000;

export interface BucketRule {
  /** Tokens a minute, also the burst; 0 turns the limit off. */
  perMinute: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #perMs: number;

  constructor(
    readonly rule: BucketRule,
    private readonly clock: Clock,
    /** The RateLimited error's `limit` name. */
    readonly name: string,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    this.#perMs = rule.perMinute / 60_000;
  }

  get enabled(): boolean {
    return this.rule.perMinute > 0;
  }

  /** Takes one token for `key`, or throws RateLimited when it has none. */
  take(key: string): void {
    if (!this.enabled) return;
    const bucket = this.#refilled(key);
    if (bucket.tokens < 1) throw new RateLimited(this.#secondsUntilToken(bucket.tokens), this.name);
    bucket.tokens -= 1;
  }

  /** Whether `key` has no token left (takes none). */
  check(key: string): void {
    if (!this.enabled) return;
    const bucket = this.#refilled(key);
    if (bucket.tokens < 1) throw new RateLimited(this.#secondsUntilToken(bucket.tokens), this.name);
  }

  /** Gives back a token taken for an attempt that turned out not to count (e.g. an authentication that succeeded). */
  refund(key: string): void {
    if (!this.enabled) return;
    const bucket = this.#buckets.get(key);
    if (bucket) bucket.tokens = Math.min(this.rule.perMinute, bucket.tokens + 1);
  }

  #refilled(key: string): { tokens: number; at: number } {
    const now = this.clock().getTime();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) this.#evict(now);
      bucket = { tokens: this.rule.perMinute, at: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    // A clock moved backwards refills nothing (and never empties a bucket).
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.rule.perMinute, bucket.tokens + elapsed * this.#perMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  #secondsUntilToken(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / this.#perMs / 1000));
  }

  #evict(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs >= this.rule.perMinute) this.#buckets.delete(key);
    }
    // Still full (every bucket is in use): the oldest half goes; their callers start again with a full bucket.
    if (this.#buckets.size >= this.maxKeys) {
      let drop = Math.ceil(this.maxKeys / 2);
      for (const key of this.#buckets.keys()) {
        if (drop-- <= 0) break;
        this.#buckets.delete(key);
      }
    }
  }
}

/** The limits of the edges, per minute (config.ts `rateLimits`; 0 turns one off). */
export interface RateLimitSettings {
  /** Requests a minute from one client address, before authentication. */
  perAddress: number;
  /** Requests a minute per credential (an API key id, an account token's issuer and subject, the admin token). */
  perCredential: number;
  /** Failed merchant authentications a minute from one client address. */
  authFailuresPerAddress: number;
  /** Failed merchant authentications a minute naming one API key id (existing or not). */
  authFailuresPerKey: number;
  /** A failed merchant authentication is answered no sooner than this many milliseconds after it began. */
  authFailureDelayMs: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  perAddress: 12_000,
  perCredential: 6_000,
  authFailuresPerAddress: 60,
  authFailuresPerKey: 60,
  authFailureDelayMs: 100,
};

/** The request-rate buckets every edge shares: by client address (before authentication) and by credential (after). */
export interface RequestLimits {
  address(address: string): void;
  credential(credential: string): void;
}

export function createRequestLimits(settings: RateLimitSettings, clock: Clock): RequestLimits {
  const byAddress = new TokenBuckets({ perMinute: settings.perAddress }, clock, 'address');
  const byCredential = new TokenBuckets({ perMinute: settings.perCredential }, clock, 'credential');
  return {
    address: (address) => byAddress.take(address),
    credential: (credential) => byCredential.take(credential),
  };
}
