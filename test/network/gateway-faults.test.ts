import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NetworkFailure } from '../../src/errors.js';
import type { FaultSpec, NetworkOperation, NetworkToken, PaymentNetwork } from '../../src/network/types.js';
import { NETWORKS, failureOf, provisionRequest, tokenIn } from './helpers.js';
import { HARNESSES, type Harness } from './harness.js';

const EXPECTED: Record<FaultSpec['mode'], { mode: NetworkFailure['mode']; message?: string }> = {
  timeout: { mode: 'timeout' },
  lost_answer: { mode: 'timeout' },
  error_500: { mode: 'error' },
  error_400: { mode: 'bad_request', message: 'network respond bad request error' },
};

describe.each(HARNESSES)('faults through the %s gateway', (_kind, start) => {
  let h: Harness;
  beforeEach(async () => {
    h = await start();
  });
  afterEach(async () => {
    await h.close();
  });

  /** The gateway a faulted call goes through: a timeout fault needs the short-timeout one. */
  const via = (mode: FaultSpec['mode']) => (mode === 'timeout' ? h.fastGateway : h.gateway);

  async function expectFailure(call: Promise<unknown>, mode: FaultSpec['mode']): Promise<void> {
    const failure = await failureOf(call);
    expect(failure).toBeInstanceOf(NetworkFailure);
    expect(failure.mode).toBe(EXPECTED[mode].mode);
    if (EXPECTED[mode].message) expect(failure.message).toBe(EXPECTED[mode].message);
  }

  describe.each(NETWORKS)('on %s', (network) => {
    it.each(['timeout', 'error_500', 'error_400'] as const)('%s on provision: issuer never asked, then provisioning works', async (mode) => {
      await h.gateway.injectFault({ network, operation: 'provision', mode });
      await expectFailure(via(mode).provision(provisionRequest(network)), mode);
      expect(h.issuer.decisions).toHaveLength(0);
      expect(h.issuer.notifications).toHaveLength(0);
      const next = await h.gateway.provision(provisionRequest(network));
      expect(next.approved).toBe(true);
      expect(h.issuer.notifications).toHaveLength(1);
    });

    it.each(['timeout', 'error_500', 'error_400'] as const)('%s on lifecycle: token unchanged, next call applies', async (mode) => {
      const before = await tokenIn(h.gateway, network, 'ACTIVE');
      const suspend = { network, tokenRef: before.tokenRef, action: 'SUSPEND', entity: 'ISSUER', reason: 'FRAUD' } as const;
      await h.gateway.injectFault({ network, operation: 'lifecycle', mode });
      await expectFailure(via(mode).lifecycle(suspend), mode);
      expect(await h.simulator.getToken(network, before.tokenRef)).toEqual(before);
      const after = await h.gateway.lifecycle(suspend);
      expect(after).toMatchObject({ status: 'SUSPENDED', version: before.version + 1 });
    });
  });

  it.each(['timeout', 'error_500', 'error_400'] as const)('%s on device_binding (vts): devices unchanged, next call applies', async (mode) => {
    const outcome = await h.gateway.provision(provisionRequest('vts', { deviceId: 'phone', forcedDecision: 'YELLOW' }));
    if (!outcome.approved) throw new Error('expected approval');
    const before = outcome.token;
    await h.gateway.injectFault({ network: 'vts', operation: 'device_binding', mode });
    await expectFailure(via(mode).approveLatestInactiveDevice({ network: 'vts', tokenRef: before.tokenRef, method: 'BANK_APP' }), mode);
    expect(await h.simulator.getToken('vts', before.tokenRef)).toEqual(before);
    const after = await h.gateway.deviceBinding({
      network: 'vts',
      tokenRef: before.tokenRef,
      deviceId: 'phone',
      deviceIndex: 0,
      action: 'APPROVE',
      reason: 'CUSTOMER_REQUEST',
    });
    expect(after.devices).toMatchObject([{ deviceId: 'phone', status: 'ACTIVE' }]);
  });

  it('count > 1 fails that many matching calls, then calls succeed', async () => {
    const token = await tokenIn(h.gateway, 'mdes', 'ACTIVE');
    const suspend = { network: 'mdes', tokenRef: token.tokenRef, action: 'SUSPEND', entity: 'ISSUER', reason: 'FRAUD' } as const;
    await h.gateway.injectFault({ network: 'mdes', operation: 'lifecycle', mode: 'error_500', count: 3 });
    for (let i = 0; i < 3; i++) await expectFailure(h.gateway.lifecycle(suspend), 'error_500');
    expect((await h.gateway.lifecycle(suspend)).version).toBe(token.version + 1);
  });

  it('a fault without operation hits the next call of any operation, only on its network', async () => {
    const visa = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    const mc = await tokenIn(h.gateway, 'mdes', 'ACTIVE');
    await h.gateway.injectFault({ network: 'vts', mode: 'error_400', count: 2 });
    // The other network is not affected.
    await h.gateway.lifecycle({ network: 'mdes', tokenRef: mc.tokenRef, action: 'SUSPEND', entity: 'ISSUER', reason: 'FRAUD' });
    await expectFailure(h.gateway.lifecycle({ network: 'vts', tokenRef: visa.tokenRef, action: 'DELETE', entity: 'ISSUER', reason: 'FRAUD' }), 'error_400');
    await expectFailure(h.gateway.provision(provisionRequest('vts')), 'error_400');
    expect((await h.gateway.provision(provisionRequest('vts'))).approved).toBe(true);
  });

  it('an operation-specific fault leaves other operations alone', async () => {
    const token = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    await h.gateway.injectFault({ network: 'vts', operation: 'provision', mode: 'error_500' });
    const suspended: NetworkToken = await h.gateway.lifecycle({
      network: 'vts',
      tokenRef: token.tokenRef,
      action: 'SUSPEND',
      entity: 'ISSUER',
      reason: 'FRAUD',
    });
    expect(suspended.status).toBe('SUSPENDED');
    await expectFailure(h.gateway.provision(provisionRequest('vts')), 'error_500');
  });

  it('refusals reach the caller as bad_request with the network message', async () => {
    const token = await tokenIn(h.gateway, 'vts', 'DEACTIVATED');
    const failure = await failureOf(h.gateway.lifecycle({ network: 'vts', tokenRef: token.tokenRef, action: 'RESUME', entity: 'ISSUER', reason: 'x' }));
    expect(failure).toMatchObject({ mode: 'bad_request', message: 'token is deactivated' });
    const unknown = await failureOf(h.gateway.walletEvent({ network: 'mdes', tokenRef: 'DWSPMC' + '0'.repeat(42), event: { kind: 'DELETE' } }));
    expect(unknown).toMatchObject({ mode: 'bad_request', message: 'token not found' });
  });
});

describe('a held (timeout) call never applies, even when it finally answers', () => {
  it.each(NETWORKS)('%s', async (network: PaymentNetwork) => {
    const { inProcessHarness } = await import('./harness.js');
    const h = await inProcessHarness();
    const token = await tokenIn(h.simulator, network, 'ACTIVE');
    await h.simulator.injectFault({ network, operation: 'lifecycle' satisfies NetworkOperation, mode: 'timeout' });
    const held = h.simulator.lifecycle({ network, tokenRef: token.tokenRef, action: 'DELETE', entity: 'ISSUER', reason: 'x' });
    await h.close(); // releases held calls: the only way they answer before the hold runs out
    expect((await failureOf(held)).mode).toBe('timeout');
    expect(await h.simulator.getToken(network, token.tokenRef)).toEqual(token);
  });
});
