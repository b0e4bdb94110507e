import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { Unauthorized } from '../../src/errors.js';
import {
  createAccountTokenIssuer,
  createAccountTokenVerifier,
  generateAccountTokenKey,
  importAccountTokenKey,
  type AccountTokenVerifier,
} from '../../src/auth/account-token.js';

const ISS = 'tessera';
const EXT = 'https://idp.example.com';
const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);

let keys: { privateJwk: JWK; publicJwk: JWK; kid: string };
let verifier: AccountTokenVerifier;

beforeAll(async () => {
  keys = await generateAccountTokenKey();
  verifier = createAccountTokenVerifier({ local: { publicJwk: keys.publicJwk, issuer: ISS } });
});

/** Sign arbitrary claims with the real local private key, bypassing the issuer's defaults. */
async function signLocal(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const { privateKey, kid } = await importAccountTokenKey(keys.privateJwk);
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT', ...header }).sign(privateKey);
}

async function expectUnauthorized(v: AccountTokenVerifier, token: string): Promise<void> {
  const err = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Unauthorized);
  if (token.length > 8) expect((err as Error).message).not.toContain(token);
}

describe('local account tokens', () => {
  it('generates an Ed25519 key whose kid is the thumbprint, and re-imports it', async () => {
    expect(keys.privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: keys.kid });
    expect(typeof keys.privateJwk.d).toBe('string');
    expect(keys.publicJwk.d).toBeUndefined();
    const imported = await importAccountTokenKey(keys.privateJwk);
    expect(imported.kid).toBe(keys.kid);
  });

  it('round-trips issue → verify with account id, tenant and subject', async () => {
    const issuer = createAccountTokenIssuer({ privateJwk: keys.privateJwk, issuer: ISS });
    const { access_token, expires_in } = await issuer.issue({ accountId: 42, tenantId: 't-1' });
    expect(expires_in).toBe(600);
    const [h, p] = access_token.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'EdDSA', kid: keys.kid, typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ 'account-id': 42, tenant_id: 't-1', sub: 'account:42', iss: ISS });
    expect(claims.exp).toBe((claims.iat as number) + 600);
    expect(typeof claims.jti).toBe('string');
    expect(await verifier.verify(access_token)).toEqual({ accountId: 42, tenantId: 't-1', subject: 'account:42', issuer: ISS });

    const custom = await issuer.issue({ accountId: 7, tenantId: 't-2', subject: 'user-9' });
    expect(await verifier.verify(custom.access_token)).toMatchObject({ accountId: 7, subject: 'user-9' });
  });

  it('rejects an expired token, accepted at its own issue time', async () => {
    const past = (): Date => new Date(Date.now() - 3600_000);
    const issuer = createAccountTokenIssuer({ privateJwk: keys.privateJwk, issuer: ISS, ttlSeconds: 600, now: past });
    const { access_token } = await issuer.issue({ accountId: 1, tenantId: 't' });
    await expectUnauthorized(verifier, access_token);
    const then = createAccountTokenVerifier({ local: { publicJwk: keys.publicJwk, issuer: ISS }, now: past });
    expect((await then.verify(access_token)).accountId).toBe(1);
  });

  it('rejects a token without exp', async () => {
    const token = await signLocal({ 'account-id': 1, iss: ISS, iat: nowS() });
    await expectUnauthorized(verifier, token);
  });

  it('rejects a not-yet-valid token (nbf beyond the tolerance)', async () => {
    const token = await signLocal({ 'account-id': 1, iss: ISS, nbf: nowS() + 60, exp: nowS() + 600 });
    await expectUnauthorized(verifier, token);
  });

  it('rejects alg: none', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ 'account-id': 1, iss: ISS, exp: nowS() + 600 })}.`;
    await expectUnauthorized(verifier, token);
  });

  it('rejects a token signed by another Ed25519 key with the same kid and iss', async () => {
    const other = await generateAccountTokenKey();
    const issuer = createAccountTokenIssuer({ privateJwk: { ...other.privateJwk, kid: keys.kid }, issuer: ISS });
    const { access_token } = await issuer.issue({ accountId: 1, tenantId: 't' });
    await expectUnauthorized(verifier, access_token);
  });

  it('rejects HS256 signed with the public key bytes as secret (algorithm confusion)', async () => {
    const claims = { 'account-id': 1, iss: ISS, exp: nowS() + 600 };
    for (const secret of [Buffer.from(keys.publicJwk.x!, 'base64url'), Buffer.from(JSON.stringify(keys.publicJwk))]) {
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: keys.kid }).sign(secret);
      await expectUnauthorized(verifier, token);
    }
  });

  it('rejects a tampered payload', async () => {
    const issuer = createAccountTokenIssuer({ privateJwk: keys.privateJwk, issuer: ISS });
    const { access_token } = await issuer.issue({ accountId: 1, tenantId: 't' });
    const [h, p, s] = access_token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    await expectUnauthorized(verifier, `${h}.${b64url({ ...claims, 'account-id': 2 })}.${s}`);
  });

  it('falls back to aid, then account_id; accepts numeric strings', async () => {
    const exp = nowS() + 600;
    expect((await verifier.verify(await signLocal({ aid: 11, iss: ISS, exp }))).accountId).toBe(11);
    expect((await verifier.verify(await signLocal({ account_id: '12', iss: ISS, exp }))).accountId).toBe(12);
    const both = await signLocal({ 'account-id': 13, aid: 14, account_id: 15, iss: ISS, exp });
    expect((await verifier.verify(both)).accountId).toBe(13);
  });

  it('rejects a missing, non-numeric or non-positive account id', async () => {
    const exp = nowS() + 600;
    for (const id of ['abc', '12a', 0, -3, 1.5, '007', null]) {
      await expectUnauthorized(verifier, await signLocal({ 'account-id': id, iss: ISS, exp }));
    }
    await expectUnauthorized(verifier, await signLocal({ iss: ISS, exp }));
  });

  it('rejects an unknown iss, a missing iss, and garbage', async () => {
    const exp = nowS() + 600;
    await expectUnauthorized(verifier, await signLocal({ 'account-id': 1, iss: 'evil', exp }));
    await expectUnauthorized(verifier, await signLocal({ 'account-id': 1, exp }));
    await expectUnauthorized(verifier, 'not.a.jwt');
    await expectUnauthorized(verifier, '');
  });
});

describe('external issuer', () => {
  let rsa: { privateKey: CryptoKey; pem: string; jwk: JWK };
  let server: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    rsa = { privateKey: pair.privateKey, pem: await exportSPKI(pair.publicKey), jwk: await exportJWK(pair.publicKey) };
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...rsa.jwk, kid: 'ext-1', alg: 'RS256', use: 'sig' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const extToken = (claims: Record<string, unknown> = {}): Promise<string> =>
    new SignJWT({ aid: '77', tenant_id: 'tn', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'ext-1' })
      .setIssuer(EXT)
      .setSubject('u-77')
      .setAudience('tessera-api')
      .setExpirationTime('5m')
      .sign(rsa.privateKey);

  it('accepts an RS256 token via SPKI PEM, and rejects it when only ES256 is pinned', async () => {
    const token = await extToken();
    const ok = createAccountTokenVerifier({ external: { issuer: EXT, algorithms: ['RS256'], publicKeyPem: rsa.pem } });
    expect(await ok.verify(token)).toEqual({ accountId: 77, tenantId: 'tn', subject: 'u-77', issuer: EXT });
    const pinned = createAccountTokenVerifier({ external: { issuer: EXT, algorithms: ['ES256'], publicKeyPem: rsa.pem } });
    await expectUnauthorized(pinned, token);
  });

  it('checks the audience when configured', async () => {
    const v = createAccountTokenVerifier({
      external: { issuer: EXT, audience: 'tessera-api', algorithms: ['RS256'], publicKeyPem: rsa.pem },
    });
    expect((await v.verify(await extToken())).accountId).toBe(77);
    const other = await new SignJWT({ aid: 77 })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(EXT)
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    await expectUnauthorized(v, other);
  });

  it('accepts a token via a JWKS served over HTTP, next to a local issuer', async () => {
    const v = createAccountTokenVerifier({
      local: { publicJwk: keys.publicJwk, issuer: ISS },
      external: { issuer: EXT, algorithms: ['RS256'], jwksUrl },
    });
    expect(await v.verify(await extToken())).toMatchObject({ accountId: 77, issuer: EXT });
    const issuer = createAccountTokenIssuer({ privateJwk: keys.privateJwk, issuer: ISS });
    expect((await v.verify((await issuer.issue({ accountId: 5, tenantId: 't' })).access_token)).issuer).toBe(ISS);
    // A local-issuer token signed with the external key must not be accepted by either route.
    const crossed = await new SignJWT({ aid: 1 })
      .setProtectedHeader({ alg: 'RS256', kid: 'ext-1' })
      .setIssuer(ISS)
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    await expectUnauthorized(v, crossed);
  });
});
