/**
 * Account tokens (DOMAIN.md §4): short-lived JWTs naming the account a caller may act for.
 * Tessera signs its own with Ed25519; tokens from one external issuer (the tenant's IdP) are also accepted.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { importJWK, importSPKI, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { InvalidInput, Unauthorized } from '../errors.js';
import { systemClock, type Clock } from '../clock.js';

const LOCAL_ALG = 'EdDSA';

export type { JWK };

export interface AccountTokenKey {
  privateKey: CryptoKey;
  /** Only the public members: safe to publish or hand to a verifier. */
  publicJwk: JWK;
  kid: string;
}

export interface AccountPrincipal {
  accountId: number;
  tenantId?: string;
  subject: string;
  issuer: string;
}

/** Strip a JWK to its public Ed25519 members, so a private JWK passed by mistake never becomes a verify key. */
function publicOnly(jwk: JWK): JWK {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new Error('account token key must be an Ed25519 JWK');
  }
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
}

export async function generateAccountTokenKey(): Promise<{ privateJwk: JWK; publicJwk: JWK; kid: string }> {
  const { privateKey } = await generateKeyPair(LOCAL_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const publicJwk = publicOnly(jwk);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg: LOCAL_ALG, use: 'sig' };
  return { privateJwk: { ...jwk, ...meta }, publicJwk: { ...publicJwk, ...meta }, kid };
}

export async function importAccountTokenKey(privateJwk: JWK): Promise<AccountTokenKey> {
  const publicJwk = publicOnly(privateJwk);
  if (typeof privateJwk.d !== 'string') throw new Error('account token key: private JWK expected');
  const privateKey = await importJWK(privateJwk, LOCAL_ALG);
  if (privateKey instanceof Uint8Array) throw new Error('account token key: asymmetric key expected');
  // The thumbprint is recomputed, not trusted from the stored JWK, so kid always matches the key.
  const kid = await calculateJwkThumbprint(publicJwk);
  return { privateKey, publicJwk: { ...publicJwk, kid, alg: LOCAL_ALG, use: 'sig' }, kid };
}

export interface AccountTokenIssuerOptions {
  privateJwk: JWK;
  issuer: string;
  /** Default 600 (10 minutes, DOMAIN.md §4). */
  ttlSeconds?: number;
  now?: Clock;
}

export interface AccountTokenIssuer {
  issue(input: { accountId: number; tenantId: string; subject?: string }): Promise<{ access_token: string; expires_in: number }>;
}

export function createAccountTokenIssuer(opts: AccountTokenIssuerOptions): AccountTokenIssuer {
  const ttl = opts.ttlSeconds ?? 600;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new Error('ttlSeconds must be a positive integer');
  const now = opts.now ?? systemClock;
  const key = importAccountTokenKey(opts.privateJwk);
  key.catch(() => undefined); // surfaced on first issue(), not as an unhandled rejection
  return {
    async issue({ accountId, tenantId, subject }) {
      if (!Number.isSafeInteger(accountId) || accountId <= 0) {
        throw new InvalidInput({ field: 'accountId', reason: 'invalid', message: 'must be a positive integer' });
      }
      if (typeof tenantId !== 'string' || tenantId === '') throw new InvalidInput({ field: 'tenantId', reason: 'required', message: 'is required' });
      const { privateKey, kid } = await key;
      const iat = Math.floor(now().getTime() / 1000);
      const access_token = await new SignJWT({ 'account-id': accountId, tenant_id: tenantId })
        .setProtectedHeader({ alg: LOCAL_ALG, kid, typ: 'JWT' })
        .setSubject(subject ?? `account:${accountId}`)
        .setIssuer(opts.issuer)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .setJti(randomUUID())
        .sign(privateKey);
      return { access_token, expires_in: ttl };
    },
  };
}

export interface AccountTokenVerifierOptions {
  local?: { publicJwk: JWK; issuer: string };
  external?: {
    issuer: string;
    audience?: string;
    /** Pinned: a token whose header names any other alg is refused before a key is even looked up. */
    algorithms: string[];
    jwksUrl?: string;
    /** SPKI PEM. */
    publicKeyPem?: string;
  };
  clockToleranceSeconds?: number;
  now?: Clock;
}

export interface AccountTokenVerifier {
  verify(token: string): Promise<AccountPrincipal>;
}

interface Route {
  key: JWTVerifyGetKey;
  algorithms: string[];
  audience?: string;
  typ?: string;
}

function externalKey(ext: NonNullable<AccountTokenVerifierOptions['external']>): JWTVerifyGetKey {
  if (ext.jwksUrl !== undefined && ext.publicKeyPem === undefined) return createRemoteJWKSet(new URL(ext.jwksUrl));
  if (ext.publicKeyPem === undefined || ext.jwksUrl !== undefined) {
    throw new Error('external account token issuer: exactly one of jwksUrl, publicKeyPem');
  }
  const pem = ext.publicKeyPem;
  // A WebCrypto key is bound to one algorithm, so import per (already allow-listed) header alg, once.
  const byAlg = new Map<string, Promise<CryptoKey>>();
  return (header) => {
    const alg = header.alg ?? '';
    let k = byAlg.get(alg);
    if (!k) byAlg.set(alg, (k = importSPKI(pem, alg)));
    return k;
  };
}

function accountIdOf(p: JWTPayload): number {
  const raw = p['account-id'] ?? p.aid ?? p.account_id;
  const id = typeof raw === 'string' && /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : raw;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new Unauthorized('bad account id claim');
  return id;
}

export function createAccountTokenVerifier(opts: AccountTokenVerifierOptions): AccountTokenVerifier {
  const routes = new Map<string, Route>();
  const { local, external } = opts;
  if (local) {
    const key = importJWK(publicOnly(local.publicJwk), LOCAL_ALG);
    key.catch(() => undefined); // surfaced on first verify(), not as an unhandled rejection
    routes.set(local.issuer, { key: () => key, algorithms: [LOCAL_ALG], typ: 'JWT' });
  }
  if (external) {
    if (routes.has(external.issuer)) throw new Error('local and external issuers must differ');
    if (external.algorithms.length === 0 || external.algorithms.includes('none')) {
      throw new Error('external issuer: pin at least one real algorithm');
    }
    routes.set(external.issuer, { key: externalKey(external), algorithms: [...external.algorithms], audience: external.audience });
  }
  if (routes.size === 0) throw new Error('account token verifier: no issuer configured');
  const now = opts.now ?? systemClock;
  const clockTolerance = opts.clockToleranceSeconds ?? 5;

  return {
    async verify(token) {
      try {
        // Unverified peek, used only to pick the issuer's key; everything is re-checked by jwtVerify.
        const iss = decodeJwt(token).iss;
        const route = iss === undefined ? undefined : routes.get(iss);
        if (!route || iss === undefined) throw new Unauthorized('unknown issuer');
        const verifyOpts = {
          issuer: iss,
          algorithms: route.algorithms,
          requiredClaims: ['exp'],
          clockTolerance,
          currentDate: now(),
          ...(route.audience !== undefined ? { audience: route.audience } : {}),
          ...(route.typ !== undefined ? { typ: route.typ } : {}),
        };
        const { payload } = await jwtVerify(token, route.key, verifyOpts);
        const tenant = payload.tenant_id;
        if (tenant !== undefined && typeof tenant !== 'string') throw new Unauthorized('bad tenant claim');
        const accountId = accountIdOf(payload);
        return { accountId, tenantId: tenant, subject: payload.sub || `account:${accountId}`, issuer: iss };
      } catch (err) {
        if (err instanceof Unauthorized) throw err;
        // jose error codes are fixed strings (never token content), useful in internal logs.
        const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
        throw new Unauthorized(typeof code === 'string' ? `account token rejected: ${code}` : 'account token rejected');
      }
    },
  };
}
