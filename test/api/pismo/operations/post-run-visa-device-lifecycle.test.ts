/**
 * `POST /v1/cards/{cardId}/network-tokens/{tokenId}/devices/{deviceId}/binding`: Visa device binding (REMOVE and
 * the APPROVE variants) with Visa device indexes 0–99, answering `{network_ack: true}`.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useCardsByNetwork, useIssuerServer } from '../../../support/fixture.js';
import {
  expectAdminError,
  expectPismoError,
  getToken,
  tokenInState,
  type DeviceBindingBody,
  type TestToken,
  type TokenState,
} from '../../../support/issuer.js';
import type { PaymentNetwork } from '../../../../src/network/types.js';

describe.each(ENGINES)('Visa device binding on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;
  const fixtures = useCardsByNetwork(env);

  const fresh = (state: TokenState, device_id?: string, network: PaymentNetwork = 'vts') =>
    tokenInState(api, fixtures[network].account, fixtures[network].card, state, device_id ? { device_id } : {});
  const bind = (token: TestToken, deviceId: string, body: Partial<DeviceBindingBody>) =>
    api.bind(token.account.jwt, token.card.cardId, token.tokenId, deviceId, {
      operator_id: 'agent-7',
      operation_type: 'TOKEN_DEVICE_BINDING_REMOVE',
      operation_reason: 'LOST_DEVICE',
      device_index: 0,
      ...body,
    });
  const askBinding = async (token: TestToken, device_id: string) => {
    const res = await api.walletEvent({ token_id: token.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id });
    expect(res.status, res.text).toBe(200);
  };

  it('REMOVE unbinds an active device and answers {network_ack: true}; the token status is unchanged', async () => {
    const token = await fresh('ACTIVE', 'iphone');
    await askBinding(token, 'ipad');
    const res = await bind(token, 'iphone', { operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', device_index: 0 });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ network_ack: true });
    const body = await getToken(api, token);
    expect(body.status).toBe('ACTIVE');
    expect(body.devices).toEqual([{ device_id: 'ipad', device_index: 1, status: 'INACTIVE' }]);
    // Gone: a second REMOVE finds no such device.
    expectPismoError(await bind(token, 'iphone', { device_index: 0 }), 400, 'ERR4005');
  });

  it('REMOVE also withdraws a pending device, for every documented reason', async () => {
    const reasons = ['FRAUD', 'LOST_CARD', 'STOLEN_CARD', 'LOST_DEVICE', 'STOLEN_DEVICE', 'CUSTOMER_REQUEST', 'CLOSED', 'FOUND_DEVICE'];
    const token = await fresh('SUSPENDED');
    for (const [i, reason] of reasons.entries()) {
      await askBinding(token, `pending-${i}`);
      const res = await bind(token, `pending-${i}`, { operation_reason: reason, device_index: 0 });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ network_ack: true });
    }
    const body = await getToken(api, token);
    expect(body.devices).toEqual([]);
    expect(body.status).toBe('SUSPENDED');
  });

  const APPROVALS: [string, string | undefined][] = [
    ['TOKEN_DEVICE_BINDING_APPROVE', undefined],
    ['TOKEN_DEVICE_BINDING_APPROVE_BANK_APP', undefined],
    ['TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER', '8421'],
  ];
  it.each(APPROVALS)('%s approves the named pending device only', async (operation_type, activation_code) => {
    const token = await fresh('ACTIVE');
    await askBinding(token, 'tablet');
    await askBinding(token, 'watch');
    const res = await bind(token, 'tablet', {
      operation_type,
      operation_reason: 'FOUND_DEVICE',
      device_index: 0,
      ...(activation_code ? { activation_code } : {}),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ network_ack: true });
    const body = await getToken(api, token);
    expect(body.status).toBe('ACTIVE');
    expect(body.devices).toEqual([
      { device_id: 'tablet', device_index: 0, status: 'ACTIVE' },
      { device_id: 'watch', device_index: 1, status: 'INACTIVE' },
    ]);
    // Approving it again is not a legal transition.
    expectPismoError(
      await bind(token, 'tablet', { operation_type, operation_reason: 'FOUND_DEVICE', device_index: 0, ...(activation_code ? { activation_code } : {}) }),
      400,
      'ERR4001',
    );
  });

  it('APPROVE_CALL_CENTER without activation_code → 400 ERR4002, device stays pending', async () => {
    const token = await fresh('INACTIVE', 'phone');
    expectPismoError(await bind(token, 'phone', { operation_type: 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER', device_index: 0 }), 400, 'ERR4002');
    expect((await getToken(api, token)).devices).toEqual([{ device_id: 'phone', device_index: 0, status: 'INACTIVE' }]);
  });

  it('device_index must be an integer 0–99: 100, -1, 1.5 and "0" → 400 ERR4000; 99 passes validation', async () => {
    const token = await fresh('ACTIVE', 'phone');
    for (const device_index of [100, -1, 1.5, '0', null]) {
      expectPismoError(await bind(token, 'phone', { device_index: device_index as number }), 400, 'ERR4000', /device_index/);
    }
    // 99 is a valid index, just not this device's.
    expectPismoError(await bind(token, 'phone', { device_index: 99 }), 400, 'ERR4005');
    expect((await getToken(api, token)).devices).toEqual([{ device_id: 'phone', device_index: 0, status: 'ACTIVE' }]);
  });

  it('a device at index 99 can be bound and removed; a 101st device is refused by the network', async () => {
    const token = await fresh('ACTIVE');
    for (let i = 0; i < 100; i++) await askBinding(token, `dev-${i}`);
    const full = await getToken(api, token);
    expect(full.devices).toHaveLength(100);
    expect(full.devices[99]).toEqual({ device_id: 'dev-99', device_index: 99, status: 'INACTIVE' });
    const extra = await api.walletEvent({ token_id: token.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id: 'dev-100' });
    // The network's refusal reaches the sandbox caller as a bad request in the admin envelope.
    expectAdminError(extra, 400, 'invalid_request');
    expect(extra.body.message).toBe('the network refused: no free device index');
    expect((await getToken(api, token)).devices).toHaveLength(100);
    const approve = await bind(token, 'dev-99', { operation_type: 'TOKEN_DEVICE_BINDING_APPROVE', operation_reason: 'FOUND_DEVICE', device_index: 99 });
    expect(approve.status, approve.text).toBe(200);
    const remove = await bind(token, 'dev-99', { device_index: 99 });
    expect(remove.status, remove.text).toBe(200);
    const after = await getToken(api, token);
    expect(after.devices).toHaveLength(99);
    expect(after.devices.some((d: any) => d.device_index === 99)).toBe(false);
  });

  it("a device_index that is not the device's → 400 ERR4005, nothing changes", async () => {
    const token = await fresh('ACTIVE', 'phone');
    await askBinding(token, 'tablet');
    const before = await getToken(api, token);
    expectPismoError(await bind(token, 'phone', { device_index: 1 }), 400, 'ERR4005');
    expectPismoError(
      await bind(token, 'tablet', { operation_type: 'TOKEN_DEVICE_BINDING_APPROVE', operation_reason: 'FOUND_DEVICE', device_index: 0 }),
      400,
      'ERR4005',
    );
    expect(await getToken(api, token)).toEqual(before);
  });

  it('an unknown device → 400 ERR4005', async () => {
    const token = await fresh('ACTIVE', 'phone');
    expectPismoError(await bind(token, 'not-a-device', { device_index: 0 }), 400, 'ERR4005');
    expect((await getToken(api, token)).devices).toHaveLength(1);
  });

  it('a Mastercard token → 400 ERR4003 for every binding operation', async () => {
    const token = await fresh('ACTIVE', 'phone', 'mdes');
    for (const operation_type of ['TOKEN_DEVICE_BINDING_REMOVE', ...APPROVALS.map((a) => a[0])]) {
      expectPismoError(await bind(token, 'phone', { operation_type, activation_code: '1' }), 400, 'ERR4003');
    }
  });

  it('a deactivated token → 400 ERR4001', async () => {
    const token = await fresh('DEACTIVATED', 'phone');
    expectPismoError(await bind(token, 'phone', { device_index: 0 }), 400, 'ERR4001');
  });

  const invalid: [string, Partial<DeviceBindingBody> | Record<string, unknown>][] = [
    ['a reason outside the Visa list', { operation_reason: 'BORED' }],
    ['a token operation as operation_type', { operation_type: 'SUSPEND' }],
    ['the misspelt BIDING variant (token operations only)', { operation_type: 'TOKEN_DEVICE_BIDING_APPROVE' }],
    ['an activation_code over 8 characters', { operation_type: 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER', activation_code: '123456789' }],
    ['an operator_id over 16 characters', { operator_id: 'x'.repeat(17) }],
  ];
  it.each(invalid)('refuses %s with 400 ERR4000', async (_label, override) => {
    const token = await fresh('ACTIVE', 'phone');
    expectPismoError(await bind(token, 'phone', override as Partial<DeviceBindingBody>), 400, 'ERR4000');
    expect((await getToken(api, token)).devices).toEqual([{ device_id: 'phone', device_index: 0, status: 'ACTIVE' }]);
  });

  it('refuses a body without operator_id or device_index with 400 ERR4000', async () => {
    const token = await fresh('ACTIVE', 'phone');
    const path = `/v1/cards/${token.card.cardId}/network-tokens/${token.tokenId}/devices/phone/binding`;
    for (const body of [
      { operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'LOST_DEVICE', device_index: 0 },
      { operator_id: '1', operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'LOST_DEVICE' },
    ]) {
      expectPismoError(await api.issuer(token.account.jwt, 'POST', path, body), 400, 'ERR4000');
    }
    expect((await getToken(api, token)).devices).toHaveLength(1);
  });

  it('answers 404 ERR4091 for an unknown token', async () => {
    const { account, card } = fixtures.vts;
    const res = await api.bind(account.jwt, card.cardId, '9999999999', 'phone', {
      operator_id: '1',
      operation_type: 'TOKEN_DEVICE_BINDING_REMOVE',
      operation_reason: 'LOST_DEVICE',
      device_index: 0,
    });
    expectPismoError(res, 404, 'ERR4091');
  });
});
