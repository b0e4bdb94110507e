/**
 * Isolation between accounts (DOMAIN.md section 4, OWASP API1): an account token of account B never reaches a card
 * or token of account A. Every route answers 404 exactly as for ids that do not exist, and A's token is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useIssuerToken } from '../support/fixture.js';
import { auditRowsOf, expectPismoError, getToken, type TestToken } from '../support/issuer.js';

describe.each(ENGINES)('cross-account isolation on %s', (engine) => {
  const env = useIssuerServer(engine);
  /** Account A's tokens (Visa with a pending device, Mastercard INACTIVE) and account B's own token. */
  const visaA = useIssuerToken(env, 'vts', { device_id: 'phone-a', decision: 'YELLOW' });
  const mcA = useIssuerToken(env, 'mdes', { decision: 'YELLOW' });
  const tokenB = useIssuerToken(env, 'vts', { device_id: 'phone-b' });

  const OPERATIONS = [
    { operation_type: 'SUSPEND', operation_reason: 'x' },
    { operation_type: 'RESUME', operation_reason: 'x' },
    { operation_type: 'DELETE', operation_reason: 'x' },
    { operation_type: 'CALL_CENTER_ACTIVATION', operation_reason: 'x', activation_code: '1' },
    { operation_type: 'CARDHOLDER_STEPUP_APP_TO_APP', operation_reason: 'x' },
    { operation_type: 'TOKEN_DEVICE_BIDING_APPROVE', operation_reason: 'x' },
    { operation_type: 'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP', operation_reason: 'x' },
    { operation_type: 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER', operation_reason: 'x', activation_code: '1' },
  ];
  const BINDINGS = [
    'TOKEN_DEVICE_BINDING_REMOVE',
    'TOKEN_DEVICE_BINDING_APPROVE',
    'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP',
    'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER',
  ];

  async function snapshot(token: TestToken) {
    return { token: await getToken(env.api, token), audit: (await auditRowsOf(env.server, token.tokenId)).length };
  }

  it.each([
    ['Visa', () => visaA],
    ['Mastercard', () => mcA],
  ] as const)("B's account token on A's %s card and token → 404 on every route; A's token unchanged", async (_label, target) => {
    const a = target();
    const jwtB = tokenB.account.jwt;
    const before = await snapshot(a);

    expectPismoError(await env.api.listTokens(jwtB, a.card.cardId), 404, 'ERR4090', 'Card not found');
    expectPismoError(await env.api.getToken(jwtB, a.card.cardId, a.tokenId), 404, 'ERR4091', 'Token not found');
    // A's token under B's own card: still not B's.
    expectPismoError(await env.api.getToken(jwtB, tokenB.card.cardId, a.tokenId), 404, 'ERR4091');
    for (const body of OPERATIONS) {
      expectPismoError(await env.api.operate(jwtB, a.card.cardId, a.tokenId, body), 404, 'ERR4091');
      expectPismoError(await env.api.operate(jwtB, tokenB.card.cardId, a.tokenId, body), 404, 'ERR4091');
    }
    for (const operation_type of ['SUSPEND', 'RESUME', 'DELETE']) {
      expectPismoError(await env.api.operateCard(jwtB, a.card.cardId, { operation_type, operation_reason: 'x' }), 404, 'ERR4090');
    }
    for (const operation_type of BINDINGS) {
      const body = { operator_id: 'b', operation_type, operation_reason: 'FRAUD' as const, device_index: 0, activation_code: '1' };
      expectPismoError(await env.api.bind(jwtB, a.card.cardId, a.tokenId, 'phone-a', body), 404, 'ERR4091');
    }

    expect(await snapshot(a)).toEqual(before);
  });

  it('the 404s are the same as for ids that do not exist (no existence oracle)', async () => {
    const jwtB = tokenB.account.jwt;
    const missingCard = 10_000_000 + ((visaA.card.cardId + 1) % 89_999_999);
    const foreign = await env.api.listTokens(jwtB, visaA.card.cardId);
    const absent = await env.api.listTokens(jwtB, missingCard);
    expect([foreign.status, foreign.body]).toEqual([absent.status, absent.body]);
    const foreignToken = await env.api.getToken(jwtB, visaA.card.cardId, visaA.tokenId);
    const absentToken = await env.api.getToken(jwtB, missingCard, '1000000000');
    expect([foreignToken.status, foreignToken.body]).toEqual([absentToken.status, absentToken.body]);
  });

  it("A's token under B's card with A's own account token is not found either", async () => {
    expectPismoError(await env.api.getToken(visaA.account.jwt, tokenB.card.cardId, visaA.tokenId), 404, 'ERR4091');
    expectPismoError(await env.api.getToken(visaA.account.jwt, tokenB.card.cardId, tokenB.tokenId), 404, 'ERR4091');
  });

  it('control: each account reaches its own tokens and acts on them', async () => {
    const ownB = await env.api.operate(tokenB.account.jwt, tokenB.card.cardId, tokenB.tokenId, { operation_type: 'SUSPEND', operation_reason: 'x' });
    expect(ownB.status, ownB.text).toBe(200);
    expect((await getToken(env.api, tokenB)).status).toBe('SUSPENDED');
    expect((await getToken(env.api, visaA)).status).toBe('INACTIVE');
    expect((await getToken(env.api, mcA)).status).toBe('INACTIVE');
  });
});
