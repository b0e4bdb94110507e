/**
 * Network failures on demand (`/sandbox/v1/faults`): for each mode (timeout, error_500, error_400) on each network
 * operation (lifecycle, device_binding, provision), the issuer answers as the contract's examples do and leaves
 * the token exactly as it was (DOMAIN.md section 4: a change is committed only once the network acknowledged it);
 * the next call succeeds. The network timeout is short here (300 ms) so that timeouts are quick to provoke.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useCardsByNetwork, useIssuerServer } from '../support/fixture.js';
import {
  NETWORKS,
  SHORT_TIMEOUT_ENV,
  auditRowsOf,
  eventsOf,
  expectAdminError,
  expectPismoError,
  getToken,
  tokenInState,
  type TestToken,
} from '../support/issuer.js';
import type { HttpResult } from '../support/http.js';
import type { PaymentNetwork } from '../../src/network/types.js';

const MODES = ['timeout', 'error_500', 'error_400'] as const;
type Mode = (typeof MODES)[number];

/** The contract's answers to a network failure. */
function expectNetworkFailure(res: HttpResult, mode: Mode): void {
  if (mode === 'error_400') expectPismoError(res, 400, 'ERR4021', 'network respond bad request error');
  else expectPismoError(res, 500, 'ERR5001', 'Fail on send event');
}

describe.each(ENGINES)('network faults on %s', (engine) => {
  const env = useIssuerServer(engine, { env: SHORT_TIMEOUT_ENV });
  const { api } = env;
  const fixtures = useCardsByNetwork(env);

  const fresh = (network: PaymentNetwork, state: 'ACTIVE' | 'INACTIVE', device_id?: string) =>
    tokenInState(api, fixtures[network].account, fixtures[network].card, state, device_id ? { device_id } : {});
  const inject = async (fault: { network: PaymentNetwork; mode: Mode; operation?: string; count?: number }) => {
    const res = await api.fault(fault);
    expect(res.status, res.text).toBe(204);
  };

  /**
   * Everything a failed call must leave alone: the token as shown, its audit trail of changes, its events. (The
   * record of the failed attempt itself, `token.<operation>.failed`, is checked in audit.test.ts.)
   */
  async function snapshot(token: TestToken) {
    const changes = (await auditRowsOf(env.server, token.tokenId)).filter((row) => !row.action.endsWith('.failed'));
    return { token: await getToken(api, token), audit: changes, events: await eventsOf(env.server, token.tokenId) };
  }

  describe.each(NETWORKS)('lifecycle on %s', (network) => {
    it.each(MODES)('%s: SUSPEND fails as the contract shows, nothing changes, the next SUSPEND succeeds', async (mode) => {
      const token = await fresh(network, 'ACTIVE');
      const before = await snapshot(token);
      await inject({ network, operation: 'lifecycle', mode });
      const op = { operation_type: 'SUSPEND', operation_reason: 'lost phone' };
      expectNetworkFailure(await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op), mode);
      expect(await snapshot(token)).toEqual(before);

      const retry = await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op);
      expect(retry.status, retry.text).toBe(200);
      expect((await getToken(api, token)).status).toBe('SUSPENDED');
    });

    it.each(MODES)('%s: CALL_CENTER_ACTIVATION of an INACTIVE token fails and the token stays INACTIVE', async (mode) => {
      const token = await fresh(network, 'INACTIVE');
      const before = await snapshot(token);
      await inject({ network, operation: 'lifecycle', mode });
      const op = { operation_type: 'CALL_CENTER_ACTIVATION', operation_reason: 'verified', activation_code: '42' };
      expectNetworkFailure(await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op), mode);
      expect(await snapshot(token)).toEqual(before);
      expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op)).status).toBe(200);
      expect((await getToken(api, token)).status).toBe('ACTIVE');
    });
  });

  it.each(NETWORKS)('%s: a timed-out DELETE was not applied by the network: the token can still be suspended', async (network) => {
    const token = await fresh(network, 'ACTIVE');
    await inject({ network, operation: 'lifecycle', mode: 'timeout' });
    expectNetworkFailure(
      await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'x' }),
      'timeout',
    );
    // Had the network deleted it, it would refuse this (400 ERR4021).
    expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'x' })).status).toBe(200);
    expect((await getToken(api, token)).status).toBe('SUSPENDED');
  });

  describe('device_binding on vts', () => {
    it.each(MODES)('%s: a binding REMOVE fails, the device stays bound, the next REMOVE succeeds', async (mode) => {
      const token = await fresh('vts', 'ACTIVE', 'phone');
      const before = await snapshot(token);
      await inject({ network: 'vts', operation: 'device_binding', mode });
      const body = { operator_id: 'op', operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'LOST_DEVICE', device_index: 0 };
      expectNetworkFailure(await api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', body), mode);
      expect(await snapshot(token)).toEqual(before);
      const retry = await api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', body);
      expect(retry.status, retry.text).toBe(200);
      expect(retry.body).toEqual({ network_ack: true });
      expect((await getToken(api, token)).devices).toEqual([]);
    });

    it.each(MODES)('%s: a TOKEN_DEVICE_BIDING_APPROVE fails, the device stays pending, the retry approves it', async (mode) => {
      const token = await fresh('vts', 'INACTIVE', 'phone');
      const before = await snapshot(token);
      await inject({ network: 'vts', operation: 'device_binding', mode });
      const op = { operation_type: 'TOKEN_DEVICE_BIDING_APPROVE', operation_reason: 'verified' };
      expectNetworkFailure(await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op), mode);
      expect(await snapshot(token)).toEqual(before);
      expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op)).status).toBe(200);
      expect((await getToken(api, token)).devices).toEqual([{ device_id: 'phone', device_index: 0, status: 'ACTIVE' }]);
    });

    it.each(MODES)('%s: a binding APPROVE_BANK_APP fails and the retry succeeds', async (mode) => {
      const token = await fresh('vts', 'INACTIVE', 'phone');
      const before = await snapshot(token);
      await inject({ network: 'vts', operation: 'device_binding', mode });
      const body = { operator_id: 'op', operation_type: 'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP', operation_reason: 'FOUND_DEVICE', device_index: 0 };
      expectNetworkFailure(await api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', body), mode);
      expect(await snapshot(token)).toEqual(before);
      expect((await api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', body)).status).toBe(200);
      expect((await getToken(api, token)).devices[0].status).toBe('ACTIVE');
    });
  });

  describe.each(NETWORKS)('provision on %s', (network) => {
    it.each(MODES)('%s: provisioning fails in the admin envelope (400 refused / 502 network down), no token is made, the next one succeeds', async (mode) => {
      const { account, card } = fixtures[network];
      const before = await api.listTokens(account.jwt, card.cardId);
      await inject({ network, operation: 'provision', mode });
      const res = await api.provision({ card_id: card.cardId, wallet: 'GOOGLE_PAY' });
      if (mode === 'error_400') expectAdminError(res, 400, 'invalid_request');
      else expectAdminError(res, 502, 'network_error');
      expect(res.text).not.toContain(card.pan);
      expect((await api.listTokens(account.jwt, card.cardId)).body).toEqual(before.body);

      const retry = await api.provision({ card_id: card.cardId, wallet: 'GOOGLE_PAY' });
      expect(retry.status, retry.text).toBe(201);
      expect((await api.listTokens(account.jwt, card.cardId)).body.tokens).toHaveLength(before.body.tokens.length + 1);
      expect(env.server.logs.join('')).not.toContain(card.pan);
    });
  });

  it.each(NETWORKS)('%s: count 2 fails the next two matching calls, then the third succeeds', async (network) => {
    const token = await fresh(network, 'ACTIVE');
    await inject({ network, operation: 'lifecycle', mode: 'error_500', count: 2 });
    const op = { operation_type: 'SUSPEND', operation_reason: 'x' };
    expectNetworkFailure(await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op), 'error_500');
    expectNetworkFailure(await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op), 'error_500');
    expect((await getToken(api, token)).status).toBe('ACTIVE');
    expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op)).status).toBe(200);
    expect((await getToken(api, token)).status).toBe('SUSPENDED');
  });

  it('a fault hits only its own network and operation', async () => {
    const visa = await fresh('vts', 'ACTIVE', 'phone');
    const mc = await fresh('mdes', 'ACTIVE');
    await inject({ network: 'vts', operation: 'device_binding', mode: 'error_500' });
    // Other network, and other operation of the same network: unaffected.
    expect((await api.operate(mc.account.jwt, mc.card.cardId, mc.tokenId, { operation_type: 'SUSPEND', operation_reason: 'x' })).status).toBe(200);
    expect((await api.operate(visa.account.jwt, visa.card.cardId, visa.tokenId, { operation_type: 'SUSPEND', operation_reason: 'x' })).status).toBe(200);
    // The device binding meets it.
    const body = { operator_id: 'op', operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'LOST_DEVICE', device_index: 0 };
    expectNetworkFailure(await api.bind(visa.account.jwt, visa.card.cardId, visa.tokenId, 'phone', body), 'error_500');
    expect((await api.bind(visa.account.jwt, visa.card.cardId, visa.tokenId, 'phone', body)).status).toBe(200);
  });

  it('a fault without operation hits the next call of any operation on that network', async () => {
    const token = await fresh('mdes', 'ACTIVE');
    await inject({ network: 'mdes', mode: 'error_400' });
    expectNetworkFailure(
      await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'x' }),
      'error_400',
    );
    expect((await getToken(api, token)).status).toBe('ACTIVE');
    expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'x' })).status).toBe(200);
  });

  it('refuses malformed faults with 400', async () => {
    for (const body of [
      { network: 'vts', mode: 'explode' },
      { network: 'amex', mode: 'timeout' },
      { network: 'vts', mode: 'timeout', operation: 'reveal' },
      { network: 'vts', mode: 'timeout', count: 0 },
      { network: 'vts', mode: 'timeout', count: 1001 },
      { mode: 'timeout' },
    ]) {
      expectAdminError(await api.fault(body as never), 400, 'invalid_request');
    }
    // None was queued.
    const token = await fresh('vts', 'ACTIVE');
    expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'x' })).status).toBe(200);
  });
});
