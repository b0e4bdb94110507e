/**
 * The gateway for a simulator living in the same process: direct calls, but bounded by the same timeout a real
 * network hop would have, so the issuer side sees identical failure modes in both deployments.
 */
import { NetworkFailure } from '../../errors.js';
import type { SandboxNetwork } from '../sandbox.js';
import type { Simulator } from './simulator.js';

export interface InProcessGatewayOptions {
  timeoutMs: number;
}

/** Any error that is not already a NetworkFailure is the network misbehaving: report it as a 5xx would be. */
export function asNetworkFailure(err: unknown): NetworkFailure {
  return err instanceof NetworkFailure ? err : new NetworkFailure('error', 'network internal error');
}

/**
 * The gateway owns the simulator it fronts: `close()` closes both. It offers the sandbox controls too, since a
 * simulator is a sandbox network.
 */
export function createInProcessGateway(sim: Simulator, { timeoutMs }: InProcessGatewayOptions): SandboxNetwork {
  /** Pending calls, so close() can fail them instead of leaving callers waiting on a cleared timer. */
  const pending = new Set<(err: NetworkFailure) => void>();

  function bounded<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (err: NetworkFailure): void => {
        settle();
        reject(err);
      };
      const timer = setTimeout(() => fail(new NetworkFailure('timeout', `network did not answer within ${timeoutMs} ms`)), timeoutMs);
      pending.add(fail);
      const settle = (): void => {
        clearTimeout(timer);
        pending.delete(fail);
      };
      // A late answer after the timeout is dropped (promise already settled), and a late rejection is swallowed here.
      call().then(
        (value) => {
          settle();
          resolve(value);
        },
        (err: unknown) => {
          settle();
          reject(asNetworkFailure(err));
        },
      );
    });
  }

  return {
    provision: (req) => bounded(() => sim.provision(req)),
    requestCardOnFileToken: (req) => bounded(() => sim.requestCardOnFileToken(req)),
    cardOnFileAnswer: (network, key) => bounded(() => sim.cardOnFileAnswer(network, key)),
    tokenRequestorLifecycle: (req) => bounded(() => sim.tokenRequestorLifecycle(req)),
    lifecycle: (req) => bounded(() => sim.lifecycle(req)),
    approveLatestInactiveDevice: (req) => bounded(() => sim.approveLatestInactiveDevice(req)),
    deviceBinding: (req) => bounded(() => sim.deviceBinding(req)),
    getToken: (network, tokenRef) => bounded(() => sim.getToken(network, tokenRef)),
    injectFault: (fault) => bounded(() => sim.injectFault(fault)),
    walletEvent: (req) => bounded(() => sim.walletEvent(req)),
    issueCryptogram: (req) => bounded(() => sim.issueCryptogram(req)),
    authorize: (req) => bounded(() => sim.authorize(req)),
    async close() {
      for (const fail of [...pending]) fail(new NetworkFailure('error', 'network gateway closed'));
      await sim.close();
    },
  };
}
