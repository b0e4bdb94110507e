import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/network/simulator/simulator.js';
import type { LifecycleAction, NetworkTokenStatus, PaymentNetwork } from '../../src/network/types.js';
import { NETWORKS, failureOf, fakeIssuer, tokenIn } from './helpers.js';

function setup() {
  const issuer = fakeIssuer();
  const sim = createSimulator({ callbacks: issuer.callbacks });
  return { issuer, sim };
}

const issuerAction = (network: PaymentNetwork, tokenRef: string, action: LifecycleAction) =>
  ({ network, tokenRef, action, entity: 'ISSUER', reason: 'CUSTOMER_REQUEST' }) as const;

/** Expected outcome of each issuer action from each status: the new status, or the refusal message. */
const TABLE: Array<[NetworkTokenStatus, LifecycleAction, { to: NetworkTokenStatus } | { refused: string }]> = [
  ['INACTIVE', 'SUSPEND', { refused: 'cannot suspend a token in status INACTIVE' }],
  ['INACTIVE', 'RESUME', { refused: 'cannot resume a token in status INACTIVE' }],
  ['INACTIVE', 'DELETE', { to: 'DEACTIVATED' }],
  ['INACTIVE', 'ACTIVATE', { to: 'ACTIVE' }],
  ['ACTIVE', 'SUSPEND', { to: 'SUSPENDED' }],
  ['ACTIVE', 'RESUME', { refused: 'cannot resume a token in status ACTIVE' }],
  ['ACTIVE', 'DELETE', { to: 'DEACTIVATED' }],
  ['ACTIVE', 'ACTIVATE', { refused: 'cannot activate a token in status ACTIVE' }],
  ['SUSPENDED', 'SUSPEND', { to: 'SUSPENDED' }],
  ['SUSPENDED', 'RESUME', { to: 'ACTIVE' }],
  ['SUSPENDED', 'DELETE', { to: 'DEACTIVATED' }],
  ['SUSPENDED', 'ACTIVATE', { refused: 'cannot activate a token in status SUSPENDED' }],
  ['DEACTIVATED', 'SUSPEND', { refused: 'token is deactivated' }],
  ['DEACTIVATED', 'RESUME', { refused: 'token is deactivated' }],
  ['DEACTIVATED', 'DELETE', { refused: 'token is deactivated' }],
  ['DEACTIVATED', 'ACTIVATE', { refused: 'token is deactivated' }],
];

describe.each(NETWORKS)('issuer lifecycle on %s', (network) => {
  it.each(TABLE)('%s + %s', async (from, action, expected) => {
    const { sim } = setup();
    const before = await tokenIn(sim, network, from);
    expect(before.status).toBe(from);
    const call = sim.lifecycle(issuerAction(network, before.tokenRef, action));
    if ('to' in expected) {
      const after = await call;
      expect(after.status).toBe(expected.to);
      expect(after.version).toBe(before.version + 1);
      expect(after.suspenders).toEqual(expected.to === 'SUSPENDED' ? ['ISSUER'] : []);
      expect(await sim.getToken(network, before.tokenRef)).toEqual(after);
    } else {
      const failure = await failureOf(call);
      expect(failure.mode).toBe('bad_request');
      expect(failure.message).toBe(expected.refused);
      // A refusal changes nothing, not even the version.
      expect(await sim.getToken(network, before.tokenRef)).toEqual(before);
    }
  });

  it('unknown tokenRef, or a token of the other network, is refused', async () => {
    const { sim } = setup();
    const token = await tokenIn(sim, network, 'ACTIVE');
    const other: PaymentNetwork = network === 'vts' ? 'mdes' : 'vts';
    for (const [net, ref] of [
      [network, 'DNITHE000000000000000000'],
      [other, token.tokenRef],
    ] as const) {
      const failure = await failureOf(sim.lifecycle(issuerAction(net, ref, 'SUSPEND')));
      expect(failure.mode).toBe('bad_request');
      expect(failure.message).toBe('token not found');
    }
  });

  it('ISSUER + TOKEN_REQUESTOR suspensions: RESUME by ISSUER leaves it SUSPENDED until the wallet resumes', async () => {
    const { sim, issuer } = setup();
    const token = await tokenIn(sim, network, 'ACTIVE');
    const ref = token.tokenRef;
    await sim.lifecycle(issuerAction(network, ref, 'SUSPEND'));
    const both = await sim.walletEvent({ network, tokenRef: ref, event: { kind: 'SUSPEND', entity: 'TOKEN_REQUESTOR' } });
    expect(both.status).toBe('SUSPENDED');
    expect(both.suspenders).toEqual(['ISSUER', 'TOKEN_REQUESTOR']);

    const afterIssuer = await sim.lifecycle(issuerAction(network, ref, 'RESUME'));
    expect(afterIssuer.status).toBe('SUSPENDED');
    expect(afterIssuer.suspenders).toEqual(['TOKEN_REQUESTOR']);

    // The issuer cannot lift the wallet's suspension for it.
    const again = await failureOf(sim.lifecycle(issuerAction(network, ref, 'RESUME')));
    expect(again.message).toBe('ISSUER has not suspended this token');

    const resumed = await sim.walletEvent({ network, tokenRef: ref, event: { kind: 'RESUME', entity: 'TOKEN_REQUESTOR' } });
    expect(resumed.status).toBe('ACTIVE');
    expect(resumed.suspenders).toEqual([]);
    expect(issuer.notifications.map((t) => t.version)).toEqual([1, 3, 5]);
  });

  it('SUSPEND twice by ISSUER keeps a single ISSUER suspender; one RESUME reactivates', async () => {
    const { sim } = setup();
    const token = await tokenIn(sim, network, 'SUSPENDED');
    const twice = await sim.lifecycle(issuerAction(network, token.tokenRef, 'SUSPEND'));
    expect(twice.suspenders).toEqual(['ISSUER']);
    expect((await sim.lifecycle(issuerAction(network, token.tokenRef, 'RESUME'))).status).toBe('ACTIVE');
  });

  it('DELETE is terminal and clears the suspenders', async () => {
    const { sim } = setup();
    const token = await tokenIn(sim, network, 'SUSPENDED');
    const deleted = await sim.lifecycle(issuerAction(network, token.tokenRef, 'DELETE'));
    expect(deleted).toMatchObject({ status: 'DEACTIVATED', suspenders: [] });
    for (const action of ['SUSPEND', 'RESUME', 'DELETE', 'ACTIVATE'] as const) {
      expect((await failureOf(sim.lifecycle(issuerAction(network, token.tokenRef, action)))).message).toBe('token is deactivated');
    }
    expect((await failureOf(sim.walletEvent({ network, tokenRef: token.tokenRef, event: { kind: 'RESUME', entity: 'CARDHOLDER' } }))).message).toBe(
      'token is deactivated',
    );
  });
});

describe.each(NETWORKS)('wallet events on %s', (network) => {
  it('a wallet SUSPEND / RESUME / DELETE changes the token and notifies the issuer with it', async () => {
    const { sim, issuer } = setup();
    const token = await tokenIn(sim, network, 'ACTIVE');
    const ref = token.tokenRef;
    issuer.notifications.length = 0;

    const suspended = await sim.walletEvent({ network, tokenRef: ref, event: { kind: 'SUSPEND', entity: 'MOBILE_PIN_LOCKED' } });
    expect(suspended).toMatchObject({ status: 'SUSPENDED', suspenders: ['MOBILE_PIN_LOCKED'], version: token.version + 1 });
    const wrong = await failureOf(sim.walletEvent({ network, tokenRef: ref, event: { kind: 'RESUME', entity: 'CARDHOLDER' } }));
    expect(wrong.message).toBe('CARDHOLDER has not suspended this token');
    const deleted = await sim.walletEvent({ network, tokenRef: ref, event: { kind: 'DELETE' } });
    expect(deleted.status).toBe('DEACTIVATED');
    expect(issuer.notifications).toEqual([suspended, deleted]);
  });

  it('a failed notification does not undo the wallet change', async () => {
    const { sim, issuer } = setup();
    const token = await tokenIn(sim, network, 'ACTIVE');
    issuer.settings.failNotify = true;
    const changed = await sim.walletEvent({ network, tokenRef: token.tokenRef, event: { kind: 'SUSPEND', entity: 'CARDHOLDER' } });
    expect(changed.status).toBe('SUSPENDED');
    expect(await sim.getToken(network, token.tokenRef)).toEqual(changed);
  });
});

it('the issuer cannot mutate the network state through a returned token', async () => {
  const { sim } = setup();
  const token = await tokenIn(sim, 'vts', 'ACTIVE');
  token.status = 'DEACTIVATED';
  token.suspenders.push('ISSUER');
  expect(await sim.getToken('vts', token.tokenRef)).toMatchObject({ status: 'ACTIVE', suspenders: [] });
});
