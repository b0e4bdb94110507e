/**
 * `POST /v1/cards/{cardId}/network-tokens/{tokenId}`: every operation_type from every token state, on both
 * networks, against the table of DOMAIN.md section 4; then the suspender rules (only the issuer's own suspension
 * can be resumed by the issuer), activation codes, and the Visa device approvals.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useCardsByNetwork, useIssuerServer } from '../../../support/fixture.js';
import {
  NETWORKS,
  STATES,
  expectPismoError,
  getToken,
  provisionToken,
  statusOf,
  tokenInState,
  type TestToken,
  type TokenState,
} from '../../../support/issuer.js';
import type { PaymentNetwork } from '../../../../src/network/types.js';

type Outcome = TokenState | `ERR${number}`;
/** Outcome per starting state: the status reached, or the error code of a 400. Order: ACTIVE, INACTIVE, SUSPENDED, DEACTIVATED. */
type Row = [Outcome, Outcome, Outcome, Outcome];

const ILLEGAL = 'ERR4001';
const WRONG_NETWORK = 'ERR4003';
const NO_PENDING_DEVICE = 'ERR4005';

/** DOMAIN.md section 4, for tokens with no device awaiting approval. */
const TABLE: Record<PaymentNetwork, Record<string, Row>> = {
  vts: {
    SUSPEND: ['SUSPENDED', ILLEGAL, 'SUSPENDED', ILLEGAL],
    RESUME: [ILLEGAL, ILLEGAL, 'ACTIVE', ILLEGAL],
    DELETE: ['DEACTIVATED', 'DEACTIVATED', 'DEACTIVATED', ILLEGAL],
    CALL_CENTER_ACTIVATION: [ILLEGAL, 'ACTIVE', ILLEGAL, ILLEGAL],
    CARDHOLDER_STEPUP_APP_TO_APP: [WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK],
    TOKEN_DEVICE_BIDING_APPROVE: [NO_PENDING_DEVICE, NO_PENDING_DEVICE, NO_PENDING_DEVICE, ILLEGAL],
    TOKEN_DEVICE_BINDING_APPROVE: [NO_PENDING_DEVICE, NO_PENDING_DEVICE, NO_PENDING_DEVICE, ILLEGAL],
    TOKEN_DEVICE_BINDING_APPROVE_BANK_APP: [NO_PENDING_DEVICE, NO_PENDING_DEVICE, NO_PENDING_DEVICE, ILLEGAL],
    TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER: [NO_PENDING_DEVICE, NO_PENDING_DEVICE, NO_PENDING_DEVICE, ILLEGAL],
  },
  mdes: {
    SUSPEND: ['SUSPENDED', ILLEGAL, 'SUSPENDED', ILLEGAL],
    RESUME: [ILLEGAL, ILLEGAL, 'ACTIVE', ILLEGAL],
    DELETE: ['DEACTIVATED', 'DEACTIVATED', 'DEACTIVATED', ILLEGAL],
    CALL_CENTER_ACTIVATION: [ILLEGAL, 'ACTIVE', ILLEGAL, ILLEGAL],
    CARDHOLDER_STEPUP_APP_TO_APP: [ILLEGAL, 'ACTIVE', ILLEGAL, ILLEGAL],
    TOKEN_DEVICE_BIDING_APPROVE: [WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK],
    TOKEN_DEVICE_BINDING_APPROVE: [WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK],
    TOKEN_DEVICE_BINDING_APPROVE_BANK_APP: [WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK],
    TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER: [WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK, WRONG_NETWORK],
  },
};

const NEEDS_CODE = new Set(['CALL_CENTER_ACTIVATION', 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER']);

const CASES = NETWORKS.flatMap((network) =>
  Object.entries(TABLE[network]).flatMap(([operation, row]) => STATES.map((from, i) => ({ network, operation, from, outcome: row[i]! }))),
);

/** The token status as the network's own record (network_data) shows it. */
function networkStatus(body: any): string {
  if (body.token.key.payment_network === 'vts') return body.network_data.tokenInfo.tokenStatus;
  return { A: 'ACTIVE', I: 'INACTIVE', S: 'SUSPENDED', D: 'DEACTIVATED' }[body.network_data.CurrentStatusCode as string]!;
}

describe.each(ENGINES)('token operations on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;
  const fixtures = useCardsByNetwork(env);

  const fresh = (network: PaymentNetwork, state: TokenState, options: { device_id?: string } = {}) =>
    tokenInState(api, fixtures[network].account, fixtures[network].card, state, options);
  const operate = (token: TestToken, operation_type: string, extra: Record<string, string> = {}) =>
    api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type, operation_reason: 'test', ...extra });

  describe('every operation from every state', () => {
    it.each(CASES)('$network: $operation from $from → $outcome', async ({ network, operation, from, outcome }) => {
      const token = await fresh(network, from);
      const before = await getToken(api, token);
      const res = await operate(token, operation, NEEDS_CODE.has(operation) ? { activation_code: '1234' } : {});
      const after = await getToken(api, token);
      if (outcome.startsWith('ERR')) {
        expectPismoError(res, 400, outcome);
        expect(after).toEqual(before);
      } else {
        expect(res.status, res.text).toBe(200);
        expect(res.text).toBe('');
        expect(after.status).toBe(outcome);
        expect(networkStatus(after)).toBe(outcome);
      }
    });
  });

  describe("RESUME lifts only the issuer's own suspension", () => {
    it.each(NETWORKS)('%s: a token suspended by the token requestor cannot be resumed by the issuer (ERR4004)', async (network) => {
      const token = await fresh(network, 'ACTIVE');
      const event = await api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'TOKEN_REQUESTOR' });
      expect(event.status, event.text).toBe(200);
      expect(event.body).toMatchObject({ token_id: token.tokenId, status: 'SUSPENDED', network_status: 'SUSPENDED' });
      expect(await statusOf(api, token)).toBe('SUSPENDED');

      expectPismoError(await operate(token, 'RESUME'), 400, 'ERR4004');
      expect(await statusOf(api, token)).toBe('SUSPENDED');

      // The token requestor lifts its own suspension.
      const resumed = await api.walletEvent({ token_id: token.tokenId, event: 'RESUME', entity: 'TOKEN_REQUESTOR' });
      expect(resumed.status, resumed.text).toBe(200);
      expect(await statusOf(api, token)).toBe('ACTIVE');
    });

    it.each(NETWORKS)('%s: suspended by ISSUER and TOKEN_REQUESTOR, RESUME leaves it SUSPENDED until both resumed', async (network) => {
      const token = await fresh(network, 'ACTIVE');
      expect((await operate(token, 'SUSPEND')).status).toBe(200);
      expect((await api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'TOKEN_REQUESTOR' })).status).toBe(200);
      if (network === 'mdes') expect(Object.keys((await getToken(api, token)).network_data.Suspenders).sort()).toEqual(['ISSUER', 'TOKEN_REQUESTOR']);

      const res = await operate(token, 'RESUME');
      expect(res.status, res.text).toBe(200);
      const body = await getToken(api, token);
      expect(body.status).toBe('SUSPENDED');
      expect(networkStatus(body)).toBe('SUSPENDED');
      if (network === 'mdes') expect(Object.keys(body.network_data.Suspenders)).toEqual(['TOKEN_REQUESTOR']);
      // The issuer's suspension is gone: resuming again is not the issuer's to do.
      expectPismoError(await operate(token, 'RESUME'), 400, 'ERR4004');

      expect((await api.walletEvent({ token_id: token.tokenId, event: 'RESUME', entity: 'TOKEN_REQUESTOR' })).status).toBe(200);
      expect(await statusOf(api, token)).toBe('ACTIVE');
    });

    it.each(NETWORKS)("%s: the issuer may add its suspension on top of a cardholder's and lift it again", async (network) => {
      const token = await fresh(network, 'ACTIVE');
      expect((await api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'CARDHOLDER' })).status).toBe(200);
      expect((await operate(token, 'SUSPEND')).status).toBe(200);
      expect((await api.walletEvent({ token_id: token.tokenId, event: 'RESUME', entity: 'CARDHOLDER' })).status).toBe(200);
      expect(await statusOf(api, token)).toBe('SUSPENDED');
      expect((await operate(token, 'RESUME')).status).toBe(200);
      expect(await statusOf(api, token)).toBe('ACTIVE');
    });

    it("MOBILE_PIN_LOCKED suspension blocks the issuer's RESUME too", async () => {
      const token = await fresh('vts', 'ACTIVE');
      expect((await api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'MOBILE_PIN_LOCKED' })).status).toBe(200);
      expectPismoError(await operate(token, 'RESUME'), 400, 'ERR4004');
      expect(await statusOf(api, token)).toBe('SUSPENDED');
    });

    it.each(NETWORKS)('%s: a wallet DELETE deactivates the token for good', async (network) => {
      const token = await fresh(network, 'SUSPENDED');
      const res = await api.walletEvent({ token_id: token.tokenId, event: 'DELETE' });
      expect(res.status, res.text).toBe(200);
      expect(await statusOf(api, token)).toBe('DEACTIVATED');
      for (const op of ['RESUME', 'SUSPEND', 'DELETE']) expectPismoError(await operate(token, op), 400, 'ERR4001');
      expect(await statusOf(api, token)).toBe('DEACTIVATED');
    });
  });

  describe('activation codes', () => {
    it.each(NETWORKS)('%s: CALL_CENTER_ACTIVATION without activation_code → 400 ERR4002, token stays INACTIVE', async (network) => {
      const token = await fresh(network, 'INACTIVE');
      expectPismoError(await operate(token, 'CALL_CENTER_ACTIVATION'), 400, 'ERR4002');
      expectPismoError(await operate(token, 'CALL_CENTER_ACTIVATION', { activation_code: '' }), 400, 'ERR4002');
      expect(await statusOf(api, token)).toBe('INACTIVE');
    });

    it.each(NETWORKS)('%s: an activation_code over 8 characters → 400 ERR4000; exactly 8 is accepted', async (network) => {
      const token = await fresh(network, 'INACTIVE');
      expectPismoError(await operate(token, 'CALL_CENTER_ACTIVATION', { activation_code: '123456789' }), 400, 'ERR4000', /activation_code/);
      expect(await statusOf(api, token)).toBe('INACTIVE');
      expect((await operate(token, 'CALL_CENTER_ACTIVATION', { activation_code: '12345678' })).status).toBe(200);
      expect(await statusOf(api, token)).toBe('ACTIVE');
    });

    it('Visa CALL_CENTER_ACTIVATION also activates the device the token was provisioned to', async () => {
      const token = await fresh('vts', 'INACTIVE', { device_id: 'pixel-7' });
      expect((await getToken(api, token)).devices).toEqual([{ device_id: 'pixel-7', device_index: 0, status: 'INACTIVE' }]);
      expect((await operate(token, 'CALL_CENTER_ACTIVATION', { activation_code: '94' })).status).toBe(200);
      const body = await getToken(api, token);
      expect(body.status).toBe('ACTIVE');
      expect(body.devices).toEqual([{ device_id: 'pixel-7', device_index: 0, status: 'ACTIVE' }]);
    });
  });

  describe('request validation', () => {
    const bad: [string, Record<string, unknown>][] = [
      ['an unknown operation_type', { operation_type: 'FREEZE', operation_reason: 'x' }],
      ['the device REMOVE operation (binding endpoint only)', { operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'x' }],
      ['no operation_reason', { operation_type: 'SUSPEND' }],
      ['no operation_type', { operation_reason: 'x' }],
      ['an operation_reason over 254 characters', { operation_type: 'SUSPEND', operation_reason: 'x'.repeat(255) }],
      ['an operator_id over 16 characters', { operation_type: 'SUSPEND', operation_reason: 'x', operator_id: 'o'.repeat(17) }],
      ['a numeric operation_type', { operation_type: 1, operation_reason: 'x' }],
    ];
    it.each(bad)('refuses %s with 400 ERR4000 and changes nothing', async (_label, body) => {
      const token = await fresh('mdes', 'ACTIVE');
      const res = await api.operate(token.account.jwt, token.card.cardId, token.tokenId, body as never);
      expectPismoError(res, 400, 'ERR4000');
      expect(await statusOf(api, token)).toBe('ACTIVE');
    });

    it('refuses a body that is not JSON with 400 ERR4000', async () => {
      const token = await fresh('vts', 'ACTIVE');
      const res = await fetch(`${env.server.baseUrl}/cards-tokenization/v1/cards/${token.card.cardId}/network-tokens/${token.tokenId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token.account.jwt}`, 'content-type': 'application/json' },
        body: '{"operation_type": "DELETE",',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error_code: string }).error_code).toBe('ERR4000');
      expect(await statusOf(api, token)).toBe('ACTIVE');
    });

    it('answers 404 ERR4091 for an unknown token', async () => {
      const { account, card } = fixtures.vts;
      expectPismoError(
        await api.operate(account.jwt, card.cardId, '9999999999', { operation_type: 'SUSPEND', operation_reason: 'x' }),
        404,
        'ERR4091',
        'Token not found',
      );
    });
  });

  describe('Visa device approvals (most recently inactive device)', () => {
    const APPROVALS: [string, string | undefined, string][] = [
      ['TOKEN_DEVICE_BIDING_APPROVE', undefined, 'DEFAULT'],
      ['TOKEN_DEVICE_BINDING_APPROVE', undefined, 'DEFAULT'],
      ['TOKEN_DEVICE_BINDING_APPROVE_BANK_APP', undefined, 'BANK_APP'],
      ['TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER', '5555', 'CALL_CENTER'],
    ];

    it.each(APPROVALS)('%s approves the pending device of a YELLOW token; the token stays INACTIVE', async (operation, code, method) => {
      const token = await fresh('vts', 'INACTIVE', { device_id: 'phone-y' });
      const res = await operate(token, operation, code ? { activation_code: code } : {});
      expect(res.status, res.text).toBe(200);
      const body = await getToken(api, token);
      expect(body.status).toBe('INACTIVE');
      expect(body.devices).toEqual([{ device_id: 'phone-y', device_index: 0, status: 'ACTIVE' }]);
      expect(body.network_data.lastDeviceBindingApprovalMethod).toBe(method);
      // Nothing left to approve.
      expectPismoError(await operate(token, operation, code ? { activation_code: code } : {}), 400, 'ERR4005');
    });

    it.each(APPROVALS)('%s approves a device a wallet asked to bind to an ACTIVE or SUSPENDED token', async (operation, code) => {
      for (const state of ['ACTIVE', 'SUSPENDED'] as const) {
        const token = await fresh('vts', state, { device_id: 'first-phone' });
        const ask = await api.walletEvent({ token_id: token.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id: 'second-phone' });
        expect(ask.status, ask.text).toBe(200);
        expect((await getToken(api, token)).devices).toEqual([
          { device_id: 'first-phone', device_index: 0, status: 'ACTIVE' },
          { device_id: 'second-phone', device_index: 1, status: 'INACTIVE' },
        ]);
        const res = await operate(token, operation, code ? { activation_code: code } : {});
        expect(res.status, res.text).toBe(200);
        const body = await getToken(api, token);
        expect(body.status).toBe(state);
        expect(body.devices).toEqual([
          { device_id: 'first-phone', device_index: 0, status: 'ACTIVE' },
          { device_id: 'second-phone', device_index: 1, status: 'ACTIVE' },
        ]);
      }
    });

    it('approves the most recently requested device first', async () => {
      const token = await fresh('vts', 'ACTIVE');
      for (const device_id of ['older', 'newer']) {
        expect((await api.walletEvent({ token_id: token.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id })).status).toBe(200);
      }
      expect((await operate(token, 'TOKEN_DEVICE_BINDING_APPROVE')).status).toBe(200);
      expect((await getToken(api, token)).devices).toEqual([
        { device_id: 'older', device_index: 0, status: 'INACTIVE' },
        { device_id: 'newer', device_index: 1, status: 'ACTIVE' },
      ]);
      expect((await operate(token, 'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP')).status).toBe(200);
      expect((await getToken(api, token)).devices.map((d: any) => d.status)).toEqual(['ACTIVE', 'ACTIVE']);
    });

    it('TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER without activation_code → 400 ERR4002, device stays pending', async () => {
      const token = await fresh('vts', 'INACTIVE', { device_id: 'phone-z' });
      expectPismoError(await operate(token, 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER'), 400, 'ERR4002');
      expect((await getToken(api, token)).devices).toEqual([{ device_id: 'phone-z', device_index: 0, status: 'INACTIVE' }]);
    });

    it('a Mastercard token is refused every Visa approval even with a pending step-up (ERR4003)', async () => {
      const { account, card } = fixtures.mdes;
      const token = await provisionToken(api, account, card, { decision: 'YELLOW', device_id: 'ignored-on-mdes' });
      for (const [operation, code] of APPROVALS) {
        expectPismoError(await operate(token, operation, code ? { activation_code: code } : {}), 400, 'ERR4003');
      }
      const body = await getToken(api, token);
      expect(body.status).toBe('INACTIVE');
      expect(body.devices).toEqual([]);
    });
  });
});
