/**
 * `POST /v1/cards/{card_id}`: SUSPEND / RESUME / DELETE applied to every token of a card. Tokens for which the
 * transition is illegal are skipped (DOMAIN.md section 4), the others change as a single-token operation would.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { NETWORKS, auditRowsOf, createAccount, createCard, expectPismoError, getToken, tokenInState, type TestToken } from '../../../support/issuer.js';
import type { PaymentNetwork } from '../../../../src/network/types.js';

/** The kinds of token a card holds in these tests. */
const KINDS = ['active', 'inactive', 'issuerSuspended', 'deactivated', 'requestorSuspended', 'bothSuspended'] as const;
type Kind = (typeof KINDS)[number];

const EXPECTED: Record<'SUSPEND' | 'RESUME' | 'DELETE', Record<Kind, string>> = {
  SUSPEND: {
    active: 'SUSPENDED',
    inactive: 'INACTIVE', // skipped
    issuerSuspended: 'SUSPENDED',
    deactivated: 'DEACTIVATED', // skipped
    requestorSuspended: 'SUSPENDED', // the issuer's suspension is added
    bothSuspended: 'SUSPENDED',
  },
  RESUME: {
    active: 'ACTIVE', // skipped
    inactive: 'INACTIVE', // skipped
    issuerSuspended: 'ACTIVE',
    deactivated: 'DEACTIVATED', // skipped
    requestorSuspended: 'SUSPENDED', // skipped: not the issuer's suspension
    bothSuspended: 'SUSPENDED', // the issuer's suspension is lifted, the requestor's stays
  },
  DELETE: {
    active: 'DEACTIVATED',
    inactive: 'DEACTIVATED',
    issuerSuspended: 'DEACTIVATED',
    deactivated: 'DEACTIVATED', // skipped
    requestorSuspended: 'DEACTIVATED',
    bothSuspended: 'DEACTIVATED',
  },
};

/** Which kinds the operation actually applies to (the others must be left untouched). */
const APPLIED: Record<'SUSPEND' | 'RESUME' | 'DELETE', Kind[]> = {
  SUSPEND: ['active', 'issuerSuspended', 'requestorSuspended', 'bothSuspended'],
  RESUME: ['issuerSuspended', 'bothSuspended'],
  DELETE: ['active', 'inactive', 'issuerSuspended', 'requestorSuspended', 'bothSuspended'],
};

describe.each(ENGINES)('card-level token operations on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;

  /** A card holding one token of each kind. */
  async function cardWithEveryKind(network: PaymentNetwork) {
    const account = await createAccount(api);
    const card = await createCard(api, account, network);
    const tokens = {} as Record<Kind, TestToken>;
    tokens.active = await tokenInState(api, account, card, 'ACTIVE');
    tokens.inactive = await tokenInState(api, account, card, 'INACTIVE');
    tokens.issuerSuspended = await tokenInState(api, account, card, 'SUSPENDED');
    tokens.deactivated = await tokenInState(api, account, card, 'DEACTIVATED');
    tokens.requestorSuspended = await tokenInState(api, account, card, 'ACTIVE');
    expect((await api.walletEvent({ token_id: tokens.requestorSuspended.tokenId, event: 'SUSPEND', entity: 'TOKEN_REQUESTOR' })).status).toBe(200);
    tokens.bothSuspended = await tokenInState(api, account, card, 'SUSPENDED');
    expect((await api.walletEvent({ token_id: tokens.bothSuspended.tokenId, event: 'SUSPEND', entity: 'TOKEN_REQUESTOR' })).status).toBe(200);
    return { account, card, tokens };
  }

  describe.each(NETWORKS)('on %s', (network) => {
    it.each(['SUSPEND', 'RESUME', 'DELETE'] as const)('%s applies to the tokens where it is legal and skips the others', async (operation) => {
      const { account, card, tokens } = await cardWithEveryKind(network);
      const before = Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, await getToken(api, tokens[k])] as const)));
      const auditBefore = Object.fromEntries(
        await Promise.all(KINDS.map(async (k) => [k, (await auditRowsOf(env.server, tokens[k].tokenId)).length] as const)),
      );

      const res = await api.operateCard(account.jwt, card.cardId, { operation_type: operation, operation_reason: 'card lost', operator_id: 'agent-1' });
      expect(res.status, res.text).toBe(200);
      expect(res.text).toBe('');

      for (const kind of KINDS) {
        const after = await getToken(api, tokens[kind]);
        expect(after.status, kind).toBe(EXPECTED[operation][kind]);
        const audit = await auditRowsOf(env.server, tokens[kind].tokenId);
        if (APPLIED[operation].includes(kind)) {
          expect(audit.length, kind).toBe(auditBefore[kind]! + 1);
          expect(audit.at(-1)).toMatchObject({
            action: `token.${operation.toLowerCase()}`,
            status_before: before[kind].status,
            status_after: after.status,
            reason: 'card lost',
          });
          expect(audit.at(-1)!.actor).toContain('operator:agent-1');
        } else {
          // Skipped: not sent to the network, not written, not audited.
          expect(after, kind).toEqual(before[kind]);
          expect(audit.length, kind).toBe(auditBefore[kind]);
        }
      }
    });
  });

  it('RESUME after a card-level SUSPEND brings back exactly the tokens the issuer suspended', async () => {
    const { account, card, tokens } = await cardWithEveryKind('vts');
    expect((await api.operateCard(account.jwt, card.cardId, { operation_type: 'SUSPEND', operation_reason: 'travel' })).status).toBe(200);
    expect((await api.operateCard(account.jwt, card.cardId, { operation_type: 'RESUME', operation_reason: 'back home' })).status).toBe(200);
    const statuses = Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, (await getToken(api, tokens[k])).status] as const)));
    expect(statuses).toEqual({
      active: 'ACTIVE',
      inactive: 'INACTIVE',
      issuerSuspended: 'ACTIVE',
      deactivated: 'DEACTIVATED',
      requestorSuspended: 'SUSPENDED',
      bothSuspended: 'SUSPENDED',
    });
  });

  it('a card whose tokens are all ineligible answers 200 and changes nothing', async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'mdes');
    const a = await tokenInState(api, account, card, 'DEACTIVATED');
    const b = await tokenInState(api, account, card, 'INACTIVE');
    const before = [await getToken(api, a), await getToken(api, b)];
    expect((await api.operateCard(account.jwt, card.cardId, { operation_type: 'RESUME', operation_reason: 'x' })).status).toBe(200);
    expect([await getToken(api, a), await getToken(api, b)]).toEqual(before);
  });

  it('a card without tokens → 404 ERR4091 "Token not found"', async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    for (const operation_type of ['SUSPEND', 'RESUME', 'DELETE']) {
      expectPismoError(await api.operateCard(account.jwt, card.cardId, { operation_type, operation_reason: 'x' }), 404, 'ERR4091', 'Token not found');
    }
  });

  it('an unknown card → 404 ERR4090', async () => {
    const account = await createAccount(api);
    expectPismoError(await api.operateCard(account.jwt, 12345678, { operation_type: 'SUSPEND', operation_reason: 'x' }), 404, 'ERR4090', 'Card not found');
  });

  it('refuses token-only operations and malformed bodies with 400 ERR4000', async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'mdes');
    const token = await tokenInState(api, account, card, 'INACTIVE');
    for (const body of [
      { operation_type: 'CALL_CENTER_ACTIVATION', operation_reason: 'x', activation_code: '1' },
      { operation_type: 'CARDHOLDER_STEPUP_APP_TO_APP', operation_reason: 'x' },
      { operation_type: 'SUSPEND' },
      { operation_type: 'DELETE', operation_reason: 'x'.repeat(256) },
    ]) {
      expectPismoError(await api.operateCard(account.jwt, card.cardId, body as never), 400, 'ERR4000');
    }
    expect((await getToken(api, token)).status).toBe('INACTIVE');
    expectPismoError(await api.issuer(account.jwt, 'POST', '/v1/cards/abc', { operation_type: 'DELETE', operation_reason: 'x' }), 400, 'ERR4000');
  });

  it('a network failure on one token does not stop the others: the failure is answered, the others changed, the retry finishes', async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    const tokens = [
      await tokenInState(api, account, card, 'ACTIVE'),
      await tokenInState(api, account, card, 'ACTIVE'),
      await tokenInState(api, account, card, 'INACTIVE'),
    ];
    expect((await api.fault({ network: 'vts', operation: 'lifecycle', mode: 'error_500', count: 1 })).status).toBe(204);
    expectPismoError(
      await api.operateCard(account.jwt, card.cardId, { operation_type: 'SUSPEND', operation_reason: 'lost card' }),
      500,
      'ERR5001',
      'Fail on send event',
    );
    // The first eligible token met the fault and kept its state; the other eligible one was suspended all the same.
    const statuses = await Promise.all(tokens.map(async (t) => (await getToken(api, t)).status));
    expect(statuses.slice(0, 2).sort()).toEqual(['ACTIVE', 'SUSPENDED']);
    expect(statuses[2]).toBe('INACTIVE');
    const audited = await auditRowsOf(env.server, tokens[statuses[0] === 'SUSPENDED' ? 0 : 1]!.tokenId);
    expect(audited.some((row) => row.action === 'token.suspend' && row.status_after === 'SUSPENDED')).toBe(true);

    expect((await api.operateCard(account.jwt, card.cardId, { operation_type: 'SUSPEND', operation_reason: 'lost card' })).status).toBe(200);
    expect(await Promise.all(tokens.map(async (t) => (await getToken(api, t)).status))).toEqual(['SUSPENDED', 'SUSPENDED', 'INACTIVE']);
  });
});
