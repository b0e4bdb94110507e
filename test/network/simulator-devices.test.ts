import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/network/simulator/simulator.js';
import { failureOf, fakeIssuer, provisionRequest, tokenIn } from './helpers.js';

let clock = Date.parse('2026-03-15T10:00:00.000Z');
function setup() {
  const issuer = fakeIssuer();
  // Each reading moves the clock, so "most recently updated" is well defined.
  const sim = createSimulator({ callbacks: issuer.callbacks, clock: () => new Date((clock += 1000)) });
  return { issuer, sim };
}

async function visaTokenWithDevice(sim: ReturnType<typeof setup>['sim']) {
  const outcome = await sim.provision(provisionRequest('vts', { deviceId: 'phone-0' }));
  if (!outcome.approved) throw new Error('expected approval');
  return outcome.token;
}

describe('device binding (Visa only)', () => {
  it('a wallet binding request adds an INACTIVE device at the lowest free index and notifies the issuer', async () => {
    const { sim, issuer } = setup();
    const token = await visaTokenWithDevice(sim);
    const t1 = await sim.walletEvent({ network: 'vts', tokenRef: token.tokenRef, event: { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'watch' } });
    expect(t1.devices.map((d) => [d.deviceId, d.deviceIndex, d.status])).toEqual([
      ['phone-0', 0, 'ACTIVE'],
      ['watch', 1, 'INACTIVE'],
    ]);
    expect(issuer.notifications.at(-1)).toEqual(t1);
    // Index 0 freed by a removal is reused by the next binding.
    await sim.deviceBinding({ network: 'vts', tokenRef: token.tokenRef, deviceId: 'phone-0', deviceIndex: 0, action: 'REMOVE', reason: 'LOST_DEVICE' });
    const t2 = await sim.walletEvent({ network: 'vts', tokenRef: token.tokenRef, event: { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'tablet' } });
    expect(t2.devices.find((d) => d.deviceId === 'tablet')?.deviceIndex).toBe(0);
    const dup = await failureOf(sim.walletEvent({ network: 'vts', tokenRef: token.tokenRef, event: { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'tablet' } }));
    expect(dup.message).toBe('device is already bound');
  });

  it('APPROVE activates an INACTIVE device; the token status is unchanged', async () => {
    const { sim } = setup();
    const token = await visaTokenWithDevice(sim);
    await sim.walletEvent({ network: 'vts', tokenRef: token.tokenRef, event: { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'watch' } });
    const after = await sim.deviceBinding({
      network: 'vts',
      tokenRef: token.tokenRef,
      deviceId: 'watch',
      deviceIndex: 1,
      action: 'APPROVE',
      reason: 'CUSTOMER_REQUEST',
    });
    expect(after.devices.find((d) => d.deviceId === 'watch')?.status).toBe('ACTIVE');
    expect(after.status).toBe('ACTIVE');
    const again = await failureOf(
      sim.deviceBinding({ network: 'vts', tokenRef: token.tokenRef, deviceId: 'watch', deviceIndex: 1, action: 'APPROVE', reason: 'CUSTOMER_REQUEST' }),
    );
    expect(again.message).toBe('device is already active');
  });

  it('REMOVE unbinds the device', async () => {
    const { sim } = setup();
    const token = await visaTokenWithDevice(sim);
    const after = await sim.deviceBinding({
      network: 'vts',
      tokenRef: token.tokenRef,
      deviceId: 'phone-0',
      deviceIndex: 0,
      action: 'REMOVE',
      reason: 'STOLEN_DEVICE',
    });
    expect(after.devices).toEqual([]);
    expect(after.version).toBe(token.version + 1);
  });

  it('refuses a device index that does not match, and an unknown device, without changing anything', async () => {
    const { sim } = setup();
    const token = await visaTokenWithDevice(sim);
    const mismatch = await failureOf(
      sim.deviceBinding({ network: 'vts', tokenRef: token.tokenRef, deviceId: 'phone-0', deviceIndex: 7, action: 'REMOVE', reason: 'FRAUD' }),
    );
    expect(mismatch).toMatchObject({ mode: 'bad_request', message: 'device index does not match' });
    const unknown = await failureOf(
      sim.deviceBinding({ network: 'vts', tokenRef: token.tokenRef, deviceId: 'nope', deviceIndex: 0, action: 'APPROVE', reason: 'FRAUD' }),
    );
    expect(unknown).toMatchObject({ mode: 'bad_request', message: 'device not found' });
    expect(await sim.getToken('vts', token.tokenRef)).toEqual(token);
  });

  it('approveLatestInactiveDevice approves the most recently updated INACTIVE device, then the next, then refuses', async () => {
    const { sim } = setup();
    const token = await visaTokenWithDevice(sim);
    const ref = token.tokenRef;
    for (const deviceId of ['watch', 'tablet']) {
      await sim.walletEvent({ network: 'vts', tokenRef: ref, event: { kind: 'DEVICE_BINDING_REQUEST', deviceId } });
    }
    const first = await sim.approveLatestInactiveDevice({ network: 'vts', tokenRef: ref, method: 'BANK_APP' });
    expect(Object.fromEntries(first.devices.map((d) => [d.deviceId, d.status]))).toEqual({
      'phone-0': 'ACTIVE',
      watch: 'INACTIVE',
      tablet: 'ACTIVE',
    });
    expect(first.networkData.lastDeviceBindingApprovalMethod).toBe('BANK_APP');
    const second = await sim.approveLatestInactiveDevice({ network: 'vts', tokenRef: ref, method: 'CALL_CENTER' });
    expect(second.devices.every((d) => d.status === 'ACTIVE')).toBe(true);
    const none = await failureOf(sim.approveLatestInactiveDevice({ network: 'vts', tokenRef: ref, method: 'DEFAULT' }));
    expect(none).toMatchObject({ mode: 'bad_request', message: 'no inactive device to approve' });
  });

  it('every device operation is refused on MDES', async () => {
    const { sim } = setup();
    const token = await tokenIn(sim, 'mdes', 'ACTIVE');
    const ref = token.tokenRef;
    const calls = [
      sim.deviceBinding({ network: 'mdes', tokenRef: ref, deviceId: 'd', deviceIndex: 0, action: 'APPROVE', reason: 'FRAUD' }),
      sim.deviceBinding({ network: 'mdes', tokenRef: ref, deviceId: 'd', deviceIndex: 0, action: 'REMOVE', reason: 'FRAUD' }),
      sim.approveLatestInactiveDevice({ network: 'mdes', tokenRef: ref, method: 'DEFAULT' }),
      sim.walletEvent({ network: 'mdes', tokenRef: ref, event: { kind: 'DEVICE_BINDING_REQUEST', deviceId: 'd' } }),
    ];
    for (const call of calls) {
      expect(await failureOf(call)).toMatchObject({ mode: 'bad_request', message: 'device binding is supported on vts only' });
    }
    expect(await sim.getToken('mdes', ref)).toEqual(token);
  });

  it('device operations on a deactivated Visa token are refused', async () => {
    const { sim } = setup();
    const token = await visaTokenWithDevice(sim);
    await sim.lifecycle({ network: 'vts', tokenRef: token.tokenRef, action: 'DELETE', entity: 'ISSUER', reason: 'CLOSED' });
    const failure = await failureOf(
      sim.deviceBinding({ network: 'vts', tokenRef: token.tokenRef, deviceId: 'phone-0', deviceIndex: 0, action: 'REMOVE', reason: 'CLOSED' }),
    );
    expect(failure.message).toBe('token is deactivated');
  });
});
