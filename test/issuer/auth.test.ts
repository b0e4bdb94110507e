/**
 * Account tokens over HTTP, on every issuer route: missing, garbage, expired, wrongly signed, `alg: none`, HS256
 * keyed with the public key, forged claims: all 401 ERR9786, and nothing changes. An external issuer configured
 * by TESSERA_JWT_EXTERNAL_ISSUER + TESSERA_JWT_EXTERNAL_PUBLIC_KEY (RS256 PEM) is accepted.
 *
 * The expired token is signed with the server's own signing key (read from its data keys, as only a test can),
 * with the claims the server itself would put in, dated in the past: the verifier runs on real time.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt, exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK } from 'jose';
import { ed25519JwkFromSeed } from '../../src/auth/signing-key.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useIssuerToken } from '../support/fixture.js';
import { request } from '../support/http.js';
import { auditRowsOf, bootstrapIssuer, expectPismoError, getToken, type TestToken } from '../support/issuer.js';

const EXTERNAL_ISSUER = 'https://idp.tessera.test';
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);

/** The five issuer routes, each pointed at a real card / token / device of the account. */
function routes(token: TestToken) {
  const { cardId } = token.card;
  return [
    { method: 'GET', path: `/v1/cards/${cardId}/network-tokens`, body: undefined },
    { method: 'GET', path: `/v1/cards/${cardId}/network-tokens/${token.tokenId}`, body: undefined },
    { method: 'POST', path: `/v1/cards/${cardId}/network-tokens/${token.tokenId}`, body: { operation_type: 'DELETE', operation_reason: 'attack' } },
    { method: 'POST', path: `/v1/cards/${cardId}`, body: { operation_type: 'DELETE', operation_reason: 'attack' } },
    {
      method: 'POST',
      path: `/v1/cards/${cardId}/network-tokens/${token.tokenId}/devices/phone/binding`,
      body: { operator_id: 'x', operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'FRAUD', device_index: 0 },
    },
  ];
}

describe.each(ENGINES)('account-token authentication on %s', (engine) => {
  /** The server's own Ed25519 signing key, as a private JWK. */
  let serverKey: JWK;
  let claims: Record<string, unknown>;

  const env = useIssuerServer(engine, { env: { TESSERA_ACCOUNT_TOKEN_TTL_SECONDS: '30' } });
  const victim = useIssuerToken(env, 'vts', { device_id: 'phone' });

  beforeAll(async () => {
    const { key } = await env.server.app.core.dataKeys.current('issuer', 'signing');
    serverKey = ed25519JwkFromSeed(key);
    claims = decodeJwt(victim.account.jwt) as Record<string, unknown>;
  });

  const header = () => JSON.parse(Buffer.from(victim.account.jwt.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;

  async function signWith(jwk: JWK, payload: Record<string, unknown>, protectedHeader: Record<string, unknown> = header()): Promise<string> {
    const key = await importJWK(jwk, 'EdDSA');
    return new SignJWT(payload).setProtectedHeader({ ...protectedHeader, alg: 'EdDSA' }).sign(key);
  }

  /** Each attack: the Authorization header to send. */
  const attacks: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['an empty bearer', async () => 'Bearer '],
    ['another scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['garbage', async () => 'Bearer not-a-jwt'],
    ['three garbage segments', async () => 'Bearer aaa.bbb.ccc'],
    [
      'the token with a flipped signature byte',
      async () => {
        const [h, p, s] = victim.account.jwt.split('.');
        const sig = Buffer.from(s!, 'base64url');
        sig[0] = sig[0]! ^ 1;
        return `Bearer ${h}.${p}.${sig.toString('base64url')}`;
      },
    ],
    [
      'an expired token signed with the server key',
      async () => {
        const iat = nowS() - 3600;
        return `Bearer ${await signWith(serverKey, { ...claims, iat, exp: iat + 30, jti: randomUUID() })}`;
      },
    ],
    [
      'a token without exp signed with the server key',
      async () => {
        const { exp: _exp, ...rest } = claims;
        return `Bearer ${await signWith(serverKey, rest)}`;
      },
    ],
    ['a token of an unknown issuer signed with the server key', async () => `Bearer ${await signWith(serverKey, { ...claims, iss: 'evil' })}`],
    [
      'a token without account id signed with the server key',
      async () => {
        const { 'account-id': _id, ...rest } = claims;
        return `Bearer ${await signWith(serverKey, rest)}`;
      },
    ],
    [
      'a token signed by another Ed25519 key (same claims, same kid)',
      async () => {
        const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
        return `Bearer ${await signWith(await exportJWK(privateKey), claims)}`;
      },
    ],
    ['alg: none', async () => `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`],
    [
      'alg: none with the real signature kept',
      async () => `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.${victim.account.jwt.split('.')[2]}`,
    ],
    [
      'HS256 keyed with the raw public key',
      async () => {
        const secret = Buffer.from(serverKey.x!, 'base64url');
        return `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: header().kid as string }).sign(secret)}`;
      },
    ],
    [
      'HS256 keyed with the public key PEM',
      async () => {
        const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: serverKey.x! }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
        return `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from(pem))}`;
      },
    ],
    [
      'HS256 keyed with the public JWK JSON',
      async () => {
        const jwk = JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: serverKey.x });
        return `Bearer ${await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from(jwk))}`;
      },
    ],
    [
      'the payload swapped for another account (original signature)',
      async () => {
        const [h, , s] = victim.account.jwt.split('.');
        return `Bearer ${h}.${b64url({ ...claims, 'account-id': Number(claims['account-id']) + 1 })}.${s}`;
      },
    ],
  ];

  it.each(attacks)('%s → 401 ERR9786 on every issuer route, nothing changes', async (_label, authorization) => {
    const before = await getToken(env.api, victim);
    const auditBefore = (await auditRowsOf(env.server, victim.tokenId)).length;
    const value = await authorization();
    for (const route of routes(victim)) {
      const res = await request(env.server.baseUrl, route.method, `/cards-tokenization${route.path}`, {
        ...(value !== undefined ? { headers: { authorization: value } } : {}),
        ...(route.body ? { body: route.body } : {}),
      });
      expectPismoError(res, 401, 'ERR9786', 'Access token is missing or invalid');
      if (value && value.length > 20) expect(res.text).not.toContain(value.slice(7));
    }
    expect(await getToken(env.api, victim)).toEqual(before);
    expect((await auditRowsOf(env.server, victim.tokenId)).length).toBe(auditBefore);
  });

  it('control: the genuine token passes the read routes, and a token made with the server key is accepted', async () => {
    for (const route of routes(victim).slice(0, 2)) {
      const res = await env.api.issuer(victim.account.jwt, route.method, route.path, route.body);
      expect(res.status, `${route.method} ${route.path}: ${res.text}`).toBe(200);
    }
    // The server key read by the test is really the one that signs: a fresh token made with it is accepted.
    const homemade = await signWith(serverKey, { ...claims, iat: nowS(), exp: nowS() + 30, jti: randomUUID() });
    expect((await env.api.getToken(homemade, victim.card.cardId, victim.tokenId)).status).toBe(200);
  });

  it('account tokens never reach the logs, accepted or refused', async () => {
    await env.api.getToken(victim.account.jwt, victim.card.cardId, victim.tokenId);
    await env.api.getToken(`${victim.account.jwt}x`, victim.card.cardId, victim.tokenId);
    const logs = env.server.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(victim.account.jwt.split('.')[2]!);
    expect(logs).not.toContain(victim.account.jwt.split('.')[1]!);
  });

  it('the account token lives TESSERA_ACCOUNT_TOKEN_TTL_SECONDS', async () => {
    const res = await env.api.accessToken(victim.account.accountId);
    expect(res.body.expires_in).toBe(30);
    const c = decodeJwt(res.body.access_token);
    expect(c.exp! - c.iat!).toBe(30);
  });
});

describe.each(ENGINES)('external account-token issuer on %s', (engine) => {
  let idpKey: CryptoKey;
  const env = useIssuerServer(engine, async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    idpKey = pair.privateKey;
    return {
      // Issue 11: an external issuer needs an audience, and its tokens must carry it and a tenant.
      env: {
        TESSERA_JWT_EXTERNAL_ISSUER: EXTERNAL_ISSUER,
        TESSERA_JWT_EXTERNAL_PUBLIC_KEY: await exportSPKI(pair.publicKey),
        TESSERA_JWT_EXTERNAL_AUDIENCE: 'tessera-api',
      },
    };
  });

  const externalToken = (payload: Record<string, unknown>, key: CryptoKey | Uint8Array = idpKey, alg = 'RS256', iss = EXTERNAL_ISSUER) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(iss)
      .setSubject('cc-agent-42')
      .setAudience('tessera-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);

  it('accepts an RS256 token of the configured issuer on every route, and records its subject', async () => {
    const token = await bootstrapIssuer(env.api, 'vts', { device_id: 'phone' });
    const jwt = await externalToken({ 'account-id': token.account.accountId, tenant_id: token.account.orgId });
    expect((await env.api.listTokens(jwt, token.card.cardId)).status).toBe(200);
    expect((await env.api.getToken(jwt, token.card.cardId, token.tokenId)).status).toBe(200);
    const op = await env.api.operate(jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'idp', operator_id: 'op-9' });
    expect(op.status, op.text).toBe(200);
    expect((await env.api.operateCard(jwt, token.card.cardId, { operation_type: 'RESUME', operation_reason: 'idp' })).status).toBe(200);
    const bind = await env.api.bind(jwt, token.card.cardId, token.tokenId, 'phone', {
      operator_id: 'op-9',
      operation_type: 'TOKEN_DEVICE_BINDING_REMOVE',
      operation_reason: 'LOST_DEVICE',
      device_index: 0,
    });
    expect(bind.status, bind.text).toBe(200);
    const audit = await auditRowsOf(env.server, token.tokenId);
    expect(audit.find((r) => r.action === 'token.suspend')!.actor).toContain('sub:cc-agent-42');
    expect(audit.find((r) => r.action === 'token.suspend')!.actor).toContain('operator:op-9');
  });

  it('accepts the aid and account_id claim spellings', async () => {
    const token = await bootstrapIssuer(env.api, 'mdes');
    for (const claim of [{ aid: token.account.accountId }, { account_id: String(token.account.accountId) }]) {
      const jwt = await externalToken({ ...claim, tenant_id: token.account.orgId });
      expect((await env.api.getToken(jwt, token.card.cardId, token.tokenId)).status).toBe(200);
    }
  });

  it('refuses an external token without a tenant, of another tenant, without the audience or with another one', async () => {
    const token = await bootstrapIssuer(env.api, 'mdes');
    const accountId = token.account.accountId;
    const noAudience = await new SignJWT({ 'account-id': accountId, tenant_id: token.account.orgId })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(EXTERNAL_ISSUER)
      .setExpirationTime('5m')
      .sign(idpKey);
    const otherAudience = await new SignJWT({ 'account-id': accountId, tenant_id: token.account.orgId })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(EXTERNAL_ISSUER)
      .setAudience('another-app')
      .setExpirationTime('5m')
      .sign(idpKey);
    for (const jwt of [
      await externalToken({ 'account-id': accountId }),
      await externalToken({ 'account-id': accountId, tenant_id: `${token.account.orgId}-other` }),
      noAudience,
      otherAudience,
    ]) {
      expectPismoError(await env.api.getToken(jwt, token.card.cardId, token.tokenId), 401, 'ERR9786');
    }
  });

  it('refuses an external token from another key, with HS256, expired, or claiming the local issuer', async () => {
    const token = await bootstrapIssuer(env.api, 'mdes');
    const payload = { 'account-id': token.account.accountId };
    const other = (await generateKeyPair('RS256')).privateKey;
    const pem = await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey);
    const expired = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(EXTERNAL_ISSUER)
      .setIssuedAt(nowS() - 3600)
      .setExpirationTime(nowS() - 1800)
      .sign(idpKey);
    for (const jwt of [
      await externalToken(payload, other),
      await externalToken(payload, new TextEncoder().encode(pem), 'HS256'),
      await externalToken(payload, new TextEncoder().encode(env.server.config.externalJwtIssuer!.publicKeyPem!), 'HS256'),
      expired,
      await externalToken(payload, idpKey, 'RS256', 'tessera'),
    ]) {
      expectPismoError(await env.api.getToken(jwt, token.card.cardId, token.tokenId), 401, 'ERR9786');
    }
    // Tessera's own tokens still work beside the external issuer.
    expect((await env.api.getToken(token.account.jwt, token.card.cardId, token.tokenId)).status).toBe(200);
  });
});
