/**
 * An external account-token issuer (issue 11 point 4): its tokens must carry the tenant and the configured audience,
 * the audience must be configured, and its JWKS must be fetched over https from a public address unless
 * TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE is set (tests, labs) — checked on the URL and on the resolved address.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { Unauthorized } from '../../src/errors.js';
import { createAccountTokenVerifier } from '../../src/auth/account-token.js';
import { isInternalAddress, jwksFetch, jwksUrlRefusal, publicOnlyLookup } from '../../src/auth/jwks-address.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EXT = 'https://idp.example.com';
let rsa: { privateKey: CryptoKey; pem: string; jwk: JWK };
let jwksServer: Server;
let jwksUrl: string;
let jwksHits = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  rsa = { privateKey: pair.privateKey, pem: await exportSPKI(pair.publicKey), jwk: await exportJWK(pair.publicKey) };
  jwksServer = createServer((_req, res) => {
    jwksHits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [{ ...rsa.jwk, kid: 'ext-1', alg: 'RS256', use: 'sig' }] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const token = (claims: Record<string, unknown>, audience?: string) => {
  const jwt = new SignJWT({ aid: 77, ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'ext-1' }).setIssuer(EXT).setSubject('u-77').setExpirationTime('5m');
  if (audience !== undefined) jwt.setAudience(audience);
  return jwt.sign(rsa.privateKey);
};

async function refusal(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Unauthorized);
  return error as Error;
}

describe('tokens of an external issuer', () => {
  const verifier = () => createAccountTokenVerifier({ external: { issuer: EXT, audience: 'tessera-api', algorithms: ['RS256'], publicKeyPem: rsa.pem } });

  it('are accepted with the tenant and the audience', async () => {
    expect(await verifier().verify(await token({ tenant_id: 'tn' }, 'tessera-api'))).toEqual({ accountId: 77, tenantId: 'tn', subject: 'u-77', issuer: EXT });
  });

  it('are refused without a tenant claim, or with an empty one', async () => {
    expect((await refusal(verifier().verify(await token({}, 'tessera-api')))).message).toBe('missing tenant claim');
    await refusal(verifier().verify(await token({ tenant_id: '' }, 'tessera-api')));
  });

  it('are refused without the audience, or with another one', async () => {
    await refusal(verifier().verify(await token({ tenant_id: 'tn' })));
    await refusal(verifier().verify(await token({ tenant_id: 'tn' }, 'another-app')));
  });

  it('need an audience configured: a verifier without one is not built', () => {
    expect(() => createAccountTokenVerifier({ external: { issuer: EXT, audience: '', algorithms: ['RS256'], publicKeyPem: rsa.pem } })).toThrow(/audience/);
  });
});

describe('configuration of an external issuer', () => {
  const base = () => ({ TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-ext-')), TESSERA_JWT_EXTERNAL_ISSUER: EXT });
  const errors = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).errors.join('\n');
    }
    throw new Error('configuration accepted');
  };

  it('requires TESSERA_JWT_EXTERNAL_AUDIENCE', () => {
    expect(errors({ ...base(), TESSERA_JWT_EXTERNAL_PUBLIC_KEY: rsa.pem })).toMatch(/TESSERA_JWT_EXTERNAL_AUDIENCE .*required/);
  });

  it.each([
    ['http on a public name', 'http://idp.example.com/jwks.json', /https/],
    ['loopback', 'https://127.0.0.1/jwks.json', /private, loopback or link-local/],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest/jwks', /private, loopback or link-local/],
    ['a private network', 'https://10.1.2.3/jwks', /private/],
    ['IPv6 loopback', 'https://[::1]/jwks', /private/],
    ['IPv4-mapped IPv6', 'https://[::ffff:127.0.0.1]/jwks', /private/],
    ['localhost', 'https://localhost/jwks', /private/],
  ])('refuses a JWKS URL: %s', (_label, url, message) => {
    expect(errors({ ...base(), TESSERA_JWT_EXTERNAL_AUDIENCE: 'aud', TESSERA_JWT_EXTERNAL_JWKS_URL: url })).toMatch(message);
  });

  it('accepts an https JWKS on a public name, and a loopback http one only with TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE=true', () => {
    const ok = loadConfig({ ...base(), TESSERA_JWT_EXTERNAL_AUDIENCE: 'aud', TESSERA_JWT_EXTERNAL_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' });
    expect(ok.externalJwtIssuer).toMatchObject({ audience: 'aud', jwksUrl: 'https://idp.example.com/.well-known/jwks.json', jwksAllowPrivate: false });
    const lab = loadConfig({
      ...base(),
      TESSERA_JWT_EXTERNAL_AUDIENCE: 'aud',
      TESSERA_JWT_EXTERNAL_JWKS_URL: jwksUrl,
      TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE: 'true',
    });
    expect(lab.externalJwtIssuer?.jwksAllowPrivate).toBe(true);
  });
});

describe('the JWKS fetch', () => {
  it('classifies addresses', () => {
    for (const internal of [
      '127.0.0.1',
      '10.0.0.1',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '::ffff:a9fe:a9fe',
    ]) {
      expect(isInternalAddress(internal), internal).toBe(true);
    }
    for (const external of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) expect(isInternalAddress(external), external).toBe(false);
    expect(jwksUrlRefusal('https://idp.example.com/jwks', false)).toBeUndefined();
  });

  it('a verifier refuses to be built on a loopback JWKS unless private addresses are allowed, and fetches nothing', async () => {
    const hits = jwksHits;
    expect(() =>
      createAccountTokenVerifier({ external: { issuer: EXT, audience: 'tessera-api', algorithms: ['RS256'], jwksUrl: jwksUrl.replace('http:', 'https:') } }),
    ).toThrow(/private, loopback or link-local/);
    expect(() => createAccountTokenVerifier({ external: { issuer: EXT, audience: 'tessera-api', algorithms: ['RS256'], jwksUrl } })).toThrow(/https/);
    expect(jwksHits).toBe(hits);
  });

  it('a name resolving to a loopback address is refused at connection time (the lookup the fetch installs)', async () => {
    // localhost resolves through /etc/hosts, no DNS needed; the URL check refuses the name too, so the lookup is tried alone.
    const result = await new Promise<{ error: NodeJS.ErrnoException | null; address: string }>((resolve) =>
      publicOnlyLookup('localhost', {}, (error, address) => resolve({ error, address: String(address) })),
    );
    expect(result.error?.message).toMatch(/resolves to an internal address/);
  });

  it('the fetch refuses a loopback URL without connecting', async () => {
    const hits = jwksHits;
    await expect(jwksFetch(false)(jwksUrl, { headers: new Headers(), method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(5000) })).rejects.toThrow(
      /https/,
    );
    expect(jwksHits).toBe(hits);
  });

  it('with private addresses allowed, the keys are fetched and a token verifies', async () => {
    const v = createAccountTokenVerifier({ external: { issuer: EXT, audience: 'tessera-api', algorithms: ['RS256'], jwksUrl, jwksAllowPrivate: true } });
    expect((await v.verify(await token({ tenant_id: 'tn' }, 'tessera-api'))).tenantId).toBe('tn');
    expect(jwksHits).toBeGreaterThan(0);
  });
});
