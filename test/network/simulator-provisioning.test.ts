import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/network/simulator/simulator.js';
import { createMemorySimulatorStore } from '../../src/network/simulator/store.js';
import { WALLETS, type Decision } from '../../src/network/types.js';
import { MASTERCARD_PAN, NETWORKS, PAN_OF, VISA_PAN, failureOf, fakeIssuer, provisionRequest } from './helpers.js';

function setup() {
  const issuer = fakeIssuer();
  const store = createMemorySimulatorStore();
  const sim = createSimulator({ callbacks: issuer.callbacks, store, clock: () => new Date('2026-03-15T10:00:00.000Z') });
  return { issuer, store, sim };
}

const TOKEN_REF = { vts: /^DNITHE[0-9]{18}$/, mdes: /^[A-Z]{6}[0-9a-f]{42}$/ };
const PAN_REF = { vts: /^V-[0-9]{22}$/, mdes: /^FWSPMC[0-9a-f]{42}$/ };

describe.each(NETWORKS)('provisioning on %s', (network) => {
  it.each<[Decision, string]>([
    ['GREEN', 'ACTIVE'],
    ['YELLOW', 'INACTIVE'],
  ])('%s → token %s, issuer asked once and notified once with that token', async (decision, status) => {
    const { issuer, store, sim } = setup();
    const outcome = await sim.provision(provisionRequest(network, { forcedDecision: decision }));
    if (!outcome.approved) throw new Error('expected approval');
    const { token } = outcome;
    expect(token.status).toBe(status);
    expect(token.network).toBe(network);
    expect(token.tokenRef).toMatch(TOKEN_REF[network]);
    expect(token.panRef).toMatch(PAN_REF[network]);
    expect(token.par).toMatch(/^[A-Z0-9]{29}$/);
    expect(token.tokenLastFour).toMatch(/^[0-9]{4}$/);
    expect(token.suspenders).toEqual([]);
    expect(token.version).toBe(1);
    expect(token.tokenExpiryYear).toBe(2029);
    expect(token.tokenRequestorId).toMatch(network === 'vts' ? /^400[0-9]{8}$/ : /^501[0-9]{8}$/);

    expect(issuer.decisions).toHaveLength(1);
    expect(issuer.decisions[0]).toMatchObject({
      network,
      wallet: 'APPLE_PAY',
      pan: PAN_OF[network],
      expiryMonth: 12,
      expiryYear: 2030,
      panRef: token.panRef,
      tokenRequestorId: token.tokenRequestorId,
      forcedDecision: decision,
    });
    expect(issuer.notifications).toEqual([token]);
    expect(await sim.getToken(network, token.tokenRef)).toEqual(token);
    expect(store.size()).toBe(1);
  });

  it('RED → declined, no notification, no token kept', async () => {
    const { issuer, store, sim } = setup();
    const outcome = await sim.provision(provisionRequest(network, { forcedDecision: 'RED' }));
    expect(outcome).toEqual({ approved: false, reason: 'declined by issuer' });
    expect(issuer.decisions).toHaveLength(1);
    expect(issuer.notifications).toHaveLength(0);
    expect(store.size()).toBe(0);
  });

  it('uses the issuer decision when none is forced', async () => {
    const { issuer, sim } = setup();
    issuer.settings.decision = 'YELLOW';
    const outcome = await sim.provision(provisionRequest(network));
    expect(outcome.approved && outcome.token.status).toBe('INACTIVE');
    expect(issuer.decisions[0]).not.toHaveProperty('forcedDecision');
  });

  it('the same card keeps its panRef and PAR across tokens; each token gets its own tokenRef', async () => {
    const { sim } = setup();
    const a = await sim.provision(provisionRequest(network, { wallet: 'APPLE_PAY' }));
    const b = await sim.provision(provisionRequest(network, { wallet: 'GOOGLE_PAY' }));
    if (!a.approved || !b.approved) throw new Error('expected approvals');
    expect(b.token.panRef).toBe(a.token.panRef);
    expect(b.token.par).toBe(a.token.par);
    expect(b.token.tokenRef).not.toBe(a.token.tokenRef);
    expect(b.token.tokenRequestorId).not.toBe(a.token.tokenRequestorId);
  });

  it('issuer decision failing → provisioning fails (error), nothing notified or kept', async () => {
    const { issuer, store, sim } = setup();
    issuer.settings.failDecide = true;
    const failure = await failureOf(sim.provision(provisionRequest(network)));
    expect(failure.mode).toBe('error');
    expect(failure.message).toBe('issuer decision failed');
    expect(issuer.notifications).toHaveLength(0);
    expect(store.size()).toBe(0);
  });

  it('issuer notification failing → provisioning fails (error), no token kept on the network', async () => {
    const { issuer, store, sim } = setup();
    issuer.settings.failNotify = true;
    const failure = await failureOf(sim.provision(provisionRequest(network)));
    expect(failure.mode).toBe('error');
    expect(issuer.notifications).toHaveLength(1);
    expect(store.size()).toBe(0);
    expect(await sim.getToken(network, issuer.notifications[0]!.tokenRef)).toBeUndefined();
  });

  it('every wallet provisions with its own fixed token requestor', async () => {
    const { sim } = setup();
    const requestors = new Set<string>();
    for (const wallet of WALLETS) {
      const outcome = await sim.provision(provisionRequest(network, { wallet }));
      if (!outcome.approved) throw new Error('expected approval');
      requestors.add(outcome.token.tokenRequestorId);
    }
    expect(requestors.size).toBe(WALLETS.length);
  });
});

describe('eligibility', () => {
  it('a card of the other brand is declined before the issuer is asked', async () => {
    const { issuer, store, sim } = setup();
    expect(await sim.provision(provisionRequest('vts', { pan: MASTERCARD_PAN }))).toEqual({
      approved: false,
      reason: 'card is not eligible for vts',
    });
    expect(await sim.provision(provisionRequest('mdes', { pan: VISA_PAN }))).toMatchObject({ approved: false });
    expect(issuer.decisions).toHaveLength(0);
    expect(store.size()).toBe(0);
  });

  it('a non-Luhn PAN is refused without echoing it', async () => {
    const { sim } = setup();
    const badPan = '4111111111111112';
    const failure = await failureOf(sim.provision(provisionRequest('vts', { pan: badPan })));
    expect(failure.mode).toBe('bad_request');
    expect(failure.message).not.toContain(badPan);
  });
});

describe('VTS device at provisioning', () => {
  it('GREEN binds the device ACTIVE at index 0; YELLOW binds it INACTIVE', async () => {
    const { sim } = setup();
    const green = await sim.provision(provisionRequest('vts', { deviceId: 'iphone-1', forcedDecision: 'GREEN' }));
    const yellow = await sim.provision(provisionRequest('vts', { deviceId: 'iphone-2', forcedDecision: 'YELLOW' }));
    if (!green.approved || !yellow.approved) throw new Error('expected approvals');
    expect(green.token.devices).toEqual([{ deviceId: 'iphone-1', deviceIndex: 0, status: 'ACTIVE', updatedAt: '2026-03-15T10:00:00.000Z' }]);
    expect(yellow.token.devices).toMatchObject([{ deviceId: 'iphone-2', deviceIndex: 0, status: 'INACTIVE' }]);
  });

  it('activating a YELLOW token activates the device it was provisioned to', async () => {
    const { sim } = setup();
    const outcome = await sim.provision(provisionRequest('vts', { deviceId: 'iphone-1', forcedDecision: 'YELLOW' }));
    if (!outcome.approved) throw new Error('expected approval');
    const token = await sim.lifecycle({
      network: 'vts',
      tokenRef: outcome.token.tokenRef,
      action: 'ACTIVATE',
      entity: 'ISSUER',
      reason: 'CALL_CENTER_ACTIVATION',
    });
    expect(token.status).toBe('ACTIVE');
    expect(token.devices).toMatchObject([{ deviceId: 'iphone-1', status: 'ACTIVE' }]);
  });

  it('MDES tokens carry no devices even when a device id is given', async () => {
    const { sim } = setup();
    const outcome = await sim.provision(provisionRequest('mdes', { deviceId: 'pixel-1' }));
    expect(outcome.approved && outcome.token.devices).toEqual([]);
  });
});

describe('network-specific fields', () => {
  it('MDES has a payment app instance id and a D+13 tracking id; VTS leaves both empty (contract example)', async () => {
    const { sim } = setup();
    const mdes = await sim.provision(provisionRequest('mdes', { wallet: 'GOOGLE_PAY' }));
    const vts = await sim.provision(provisionRequest('vts', { wallet: 'GOOGLE_PAY' }));
    if (!mdes.approved || !vts.approved) throw new Error('expected approvals');
    expect(mdes.token.paymentAppInstanceId).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(mdes.token.trackingId).toMatch(/^D[0-9]{13}$/);
    expect(mdes.token.walletId).toBe('216');
    expect(vts.token.paymentAppInstanceId).toBe('');
    expect(vts.token.trackingId).toBe('');
    expect(vts.token.walletId).toBe(vts.token.tokenRequestorId);
  });
});
