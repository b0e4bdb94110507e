/**
 * The gateway to a simulator (or any network speaking the same wire format) over HTTP: a real network hop,
 * with the bearer secret, a hard timeout per call, and every failure surfaced as NetworkFailure.
 */
import { NetworkFailure } from '../../errors.js';
import { callJson, decodeAnswer, type HttpPeerOptions } from './client.js';
import type { SandboxNetwork } from '../sandbox.js';
import type { NetworkToken } from '../types.js';
import {
  ANSWER_NOT_FOUND,
  ROUTES,
  TOKEN_NOT_FOUND,
  parseAuthorizationOutcome,
  parseCardOnFileOutcome,
  parseCryptogram,
  parseNetworkToken,
  parseProvisionOutcome,
  paths,
} from './wire.js';

export type HttpGatewayOptions = HttpPeerOptions;

/** Both interfaces: a network reached over this wire format is the simulator, a sandbox network. */
export function createHttpGateway(options: HttpGatewayOptions): SandboxNetwork {
  let closed = false;

  async function post(path: string, body: unknown): Promise<unknown> {
    if (closed) throw new NetworkFailure('error', 'network gateway closed');
    return callJson(options, 'network', 'POST', path, body);
  }

  async function get(path: string): Promise<unknown> {
    if (closed) throw new NetworkFailure('error', 'network gateway closed');
    return callJson(options, 'network', 'GET', path);
  }

  const token = (value: unknown): NetworkToken => decodeAnswer(parseNetworkToken, value, 'network');

  return {
    async provision(req) {
      return decodeAnswer(parseProvisionOutcome, await post(paths.provision(req.network), req), 'network');
    },
    async requestCardOnFileToken(req) {
      return decodeAnswer(parseCardOnFileOutcome, await post(paths.cardOnFile(req.network), req), 'network');
    },
    async cardOnFileAnswer(network, key) {
      try {
        return decodeAnswer(parseCardOnFileOutcome, await get(paths.cardOnFileAnswer(network, key)), 'network');
      } catch (error) {
        if (error instanceof NetworkFailure && error.mode === 'bad_request' && error.message === ANSWER_NOT_FOUND) return undefined;
        throw error;
      }
    },
    async tokenRequestorLifecycle(req) {
      return token(await post(paths.tokenRequestorLifecycle(req.network, req.tokenRef), req));
    },
    async lifecycle(req) {
      return token(await post(paths.lifecycle(req.network, req.tokenRef), req));
    },
    async approveLatestInactiveDevice(req) {
      return token(await post(paths.approveLatestDevice(req.network, req.tokenRef), req));
    },
    async deviceBinding(req) {
      return token(await post(paths.deviceBinding(req.network, req.tokenRef, req.deviceId), req));
    },
    async getToken(network, tokenRef) {
      try {
        return token(await get(paths.token(network, tokenRef)));
      } catch (error) {
        if (error instanceof NetworkFailure && error.mode === 'bad_request' && error.message === TOKEN_NOT_FOUND) return undefined;
        throw error;
      }
    },
    async issueCryptogram(req) {
      return decodeAnswer(parseCryptogram, await post(paths.cryptogram(req.network, req.tokenRef), req), 'network');
    },
    async authorize(req) {
      return decodeAnswer(parseAuthorizationOutcome, await post(paths.authorizations(req.network), req), 'network');
    },
    async injectFault(fault) {
      await post(ROUTES.faults, fault);
    },
    async walletEvent(req) {
      return token(await post(ROUTES.walletEvents, req));
    },
    async close() {
      // fetch keeps no per-gateway resources (AbortSignal.timeout timers are unref'd); just refuse further calls.
      closed = true;
    },
  };
}
