/**
 * Failed merchant authentications cost the attacker, not the server.
 *
 * - Every failure is answered no sooner than a fixed delay after the attempt began (a timer, not work): an unknown
 *   key id (a lookup, no scrypt) and a known one with a wrong secret (a lookup and a scrypt) answer alike, so the
 *   answer's timing does not tell which key ids exist.
 * - Attempts that would verify a secret are counted per client address and per key id (existing or not, so the
 *   limit does not tell either): each takes a token, a success gives it back, and once a bucket is empty the next
 *   attempt is answered 429 at once, before any lookup or scrypt. A legitimate client's concurrent requests with the
 *   same credentials share one attempt (and one token).
 * - Credentials that verified a moment ago (the same secret, by HMAC under a per-process key) skip the buckets, so
 *   an attacker hammering a key id cannot lock out the merchant already using it; they are still checked by the
 *   authenticator itself (its cache, and revocation).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { Unauthorized } from '../errors.js';
import type { Clock } from '../clock.js';
import type { MerchantCaller } from './merchant-caller.js';
import { constantTimeEqual, parseBasic } from './credentials.js';
import type { MerchantAuthenticator } from './merchant-basic.js';
import { TokenBuckets, type RateLimitSettings } from './rate-limits.js';

const REMEMBER_MS = 60_000;
const MAX_REMEMBERED = 10_000;

export interface GuardedMerchantAuthenticator extends MerchantAuthenticator {
  /** `address` is the client's (request.ip); failures are limited per address and per key id. */
  authenticate(authorizationHeader: string | undefined, address?: string): Promise<MerchantCaller>;
}

export type BackoffSettings = Pick<RateLimitSettings, 'authFailuresPerAddress' | 'authFailuresPerKey' | 'authFailureDelayMs'>;

export function withFailureBackoff(inner: MerchantAuthenticator, settings: BackoffSettings, clock: Clock): GuardedMerchantAuthenticator {
  const byAddress = new TokenBuckets({ perMinute: settings.authFailuresPerAddress }, clock, 'auth_failures_address');
  const byKey = new TokenBuckets({ perMinute: settings.authFailuresPerKey }, clock, 'auth_failures_key');
  const hmacKey = randomBytes(32);
  const digest = (secret: string) => createHmac('sha256', hmacKey).update(secret).digest();
  const remembered = new Map<string, { digest: Buffer; until: number }>();
  /** Attempts in progress by address, key id and secret digest: joiners take no token of their own. */
  const attempts = new Map<string, Promise<MerchantCaller>>();

  async function attempt(header: string | undefined, id: string, address: string, secretDigest: Buffer): Promise<MerchantCaller> {
    byAddress.take(address);
    try {
      byKey.take(id);
    } catch (error) {
      byAddress.refund(address);
      throw error;
    }
    const caller = await inner.authenticate(header);
    byAddress.refund(address);
    byKey.refund(id);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(id, { digest: secretDigest, until: clock().getTime() + REMEMBER_MS });
    return caller;
  }

  async function authenticate(header: string | undefined, address = 'unknown'): Promise<MerchantCaller> {
    const started = performance.now();
    try {
      const credentials = parseBasic(header);
      if (!credentials) return await inner.authenticate(header);
      const secretDigest = digest(credentials.secret);
      const known = remembered.get(credentials.id);
      if (known && known.until > clock().getTime() && constantTimeEqual(secretDigest, known.digest)) return await inner.authenticate(header);
      const flight = `${address}\n${credentials.id}\n${secretDigest.toString('hex')}`;
      let pending = attempts.get(flight);
      if (!pending) {
        const run = attempt(header, credentials.id, address, secretDigest).finally(() => {
          if (attempts.get(flight) === run) attempts.delete(flight);
        });
        attempts.set(flight, run);
        pending = run;
      }
      return await pending;
    } catch (error) {
      // A 429 is answered at once (it cost nothing); a 401 after the fixed delay, whatever it cost to decide.
      if (error instanceof Unauthorized) {
        const remaining = settings.authFailureDelayMs - (performance.now() - started);
        if (remaining > 0) await sleep(remaining);
      }
      throw error;
    }
  }

  return {
    authenticate,
    forget(apiKeyId) {
      remembered.delete(apiKeyId);
      inner.forget(apiKeyId);
    },
    forgetAll() {
      remembered.clear();
      inner.forgetAll();
    },
  };
}
