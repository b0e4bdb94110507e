/**
 * HTTP Basic authentication of merchants (API key id : secret).
 *
 * Secrets are stored as scrypt hashes, which cost tens of milliseconds by design. Paying that on every request
 * would cap the API at a few dozen requests per second, so a successful verification is remembered for a short
 * while as an HMAC of the secret under a per-process random key: a later request with the same secret is
 * checked in constant time against that digest. A revocation drops the entry at once: forget() on the instance
 * that revoked, and on every other one when the change feed tells it (store/change-feed.ts, wired in main.ts);
 * the cache lifetime is only the last resort.
 *
 * Requests that miss the cache together with the same credentials (every open connection of a client, at start or
 * when the entry expires) share one verification instead of each paying a scrypt: without that, 64 connections
 * would queue 64 hashes on libuv's 4 threads (~0.7 s of stall) once a minute.
 *
 * The API key is looked up through an injected function (the merchant DAL's), so this module holds no SQL.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Unauthorized } from '../errors.js';
import { verifySecret } from '../vault/secrets.js';
import type { Clock } from '../clock.js';
import type { MerchantCaller } from './merchant-caller.js';
import { constantTimeEqual, parseBasic } from './credentials.js';

const CACHE_TTL_MS = 60_000;
const MAX_CACHED = 10_000;

export interface MerchantAuthenticator {
  authenticate(authorizationHeader: string | undefined): Promise<MerchantCaller>;
  /** Drops a remembered verification at once, e.g. when the key is revoked. */
  forget(apiKeyId: string): void;
  /** Drops every remembered verification (some key changed on another instance, which one is not known). */
  forgetAll(): void;
}

/** What verifying a credential needs to know of an API key; undefined when no key has that id. */
export type ApiKeyLookup = (apiKeyId: string) => Promise<{ merchant_id: string; secret_hash: string; revoked_at: string | null } | undefined>;

export interface MerchantBasicDeps {
  /** One query per verification (tests count them). */
  findApiKey: ApiKeyLookup;
  clock: Clock;
}

export function createMerchantAuthenticator(deps: MerchantBasicDeps): MerchantAuthenticator {
  const { findApiKey, clock } = deps;
  const cacheKey = randomBytes(32);
  const digest = (secret: string) => createHmac('sha256', cacheKey).update(secret).digest();
  const verified = new Map<string, { digest: Buffer; merchantId: string; until: number }>();
  /** Verifications in progress, by key id and secret digest: resolve to the merchant id. */
  const verifying = new Map<string, Promise<string>>();
  /** Bumped by forget(): a verification that began before a revocation must not put the key back in the cache. */
  let forgets = 0;

  async function verify(apiKeyId: string, secret: string, secretDigest: Buffer, now: number): Promise<string> {
    const forgetsAtStart = forgets;
    const key = await findApiKey(apiKeyId);
    // An unknown key id never reaches scrypt: it costs the server a lookup only. Timing does not tell which ids
    // exist because every failure is answered after the same fixed delay, and failures are rate limited per
    // address and per key id (merchant-backoff.ts).
    if (!key) throw new Unauthorized('unknown API key id');
    const ok = await verifySecret(secret, key.secret_hash);
    if (!ok) throw new Unauthorized('wrong API key secret');
    if (key.revoked_at !== null) throw new Unauthorized('revoked API key');
    if (forgets === forgetsAtStart) {
      if (verified.size >= MAX_CACHED) verified.clear();
      verified.set(apiKeyId, { digest: secretDigest, merchantId: key.merchant_id, until: now + CACHE_TTL_MS });
    }
    return key.merchant_id;
  }

  return {
    forget(apiKeyId) {
      forgets++;
      verified.delete(apiKeyId);
      // Requests from now on verify afresh (and see the revocation) instead of joining a verification in progress.
      for (const flight of verifying.keys()) if (flight.startsWith(`${apiKeyId}:`)) verifying.delete(flight);
    },
    forgetAll() {
      forgets++;
      verified.clear();
      verifying.clear();
    },
    async authenticate(header) {
      const credentials = parseBasic(header);
      if (!credentials || credentials.id.length > 100 || credentials.secret.length > 200) {
        throw new Unauthorized(header ? 'malformed Basic credentials' : 'missing Basic credentials');
      }
      const now = clock().getTime();
      const secretDigest = digest(credentials.secret);
      const cached = verified.get(credentials.id);
      if (cached && cached.until > now && constantTimeEqual(secretDigest, cached.digest)) {
        return { merchantId: cached.merchantId, apiKeyId: credentials.id };
      }
      // Keyed by the HMAC, not the secret: a wrong secret never rides on a right one's verification.
      const flight = `${credentials.id}:${secretDigest.toString('hex')}`;
      let pending = verifying.get(flight);
      if (!pending) {
        const started = verify(credentials.id, credentials.secret, secretDigest, now).finally(() => {
          if (verifying.get(flight) === started) verifying.delete(flight);
        });
        verifying.set(flight, started);
        pending = started;
      }
      return { merchantId: await pending, apiKeyId: credentials.id };
    },
  };
}
