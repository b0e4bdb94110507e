/**
 * Every call the issuer side makes on a card network, measured: `Metrics.networkCall(network, operation, outcome,
 * seconds)` once per call, whichever way it ends (answered, refused, failed, timed out). A decorator of the
 * gateway, so the network adapters stay free of measuring and every deployment (in-process, HTTP) is counted alike.
 */
import { NetworkFailure } from '../errors.js';
import type { Metrics, NetworkCallOutcome } from '../metrics.js';
import type { SandboxNetwork } from './sandbox.js';

function outcomeOf(error: unknown): NetworkCallOutcome {
  if (!(error instanceof NetworkFailure)) return 'error';
  return error.mode === 'bad_request' ? 'declined' : error.mode;
}

export function meterGateway(gateway: SandboxNetwork, metrics: Pick<Metrics, 'networkCall'>): SandboxNetwork {
  async function measured<T>(network: string, operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const answer = await call();
      metrics.networkCall(network, operation, 'ok', (performance.now() - started) / 1000);
      return answer;
    } catch (error) {
      metrics.networkCall(network, operation, outcomeOf(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  return {
    ...gateway,
    lifecycle: (req) => measured(req.network, req.action.toLowerCase(), () => gateway.lifecycle(req)),
    approveLatestInactiveDevice: (req) => measured(req.network, 'approve_device', () => gateway.approveLatestInactiveDevice(req)),
    deviceBinding: (req) => measured(req.network, `device_${req.action.toLowerCase()}`, () => gateway.deviceBinding(req)),
    getToken: (network, tokenRef) => measured(network, 'get_token', () => gateway.getToken(network, tokenRef)),
  };
}
