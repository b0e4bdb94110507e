/**
 * The simulator as its own HTTP server, so the issuer's gateway crosses a real network hop (timeouts, refused
 * connections, partial answers). Routes and bodies are those of wire.ts; every request needs the bearer secret.
 * The sandbox controls are served beside the production operations (`/sandbox/faults`, `/sandbox/wallet-events`).
 */
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { IdSource } from '../ids.js';
import { createSimulator, type Simulator } from '../simulator/simulator.js';
import { refuse } from '../simulator/state-machine.js';
import type { SimulatorStore } from '../simulator/store.js';
import { isPaymentNetwork, type PaymentNetwork } from '../types.js';
import { assertUsableSecret, bearerHook } from './auth.js';
import { sendFailure, sendNotFound } from './errors.js';
import { createHttpIssuerCallbacks, createHttpTokenRequestorCallbacks } from './issuer-callbacks.js';
import {
  ANSWER_NOT_FOUND,
  ROUTES,
  TOKEN_NOT_FOUND,
  parseAuthorizationRequest,
  parseCardOnFileRequest,
  parseCryptogramRequest,
  parseTokenRequestorLifecycleRequest,
  parseApproveDeviceRequest,
  parseDeviceBindingRequest,
  parseFaultSpec,
  parseLifecycleRequest,
  parseProvisionRequest,
  parseWalletEventRequest,
} from './wire.js';

export interface SimulatorServerOptions {
  /** 0 picks a free port; read the actual one from `url`. */
  port: number;
  host?: string;
  /** Base URL of the issuer side serving `/network/v1/decision` and `/network/v1/notification`. */
  issuerCallbackUrl: string;
  /**
   * Base URL of the token service provider serving `/network/v1/token-requestor-notification` (Tessera's merchant
   * side); default: `issuerCallbackUrl`, since one Tessera runs both sides.
   */
  requestorCallbackUrl?: string;
  /** Shared bearer secret, both directions (≥ 16 characters). */
  secret: string;
  logger?: FastifyBaseLogger;
  /** Timeout of the calls to the issuer's callbacks; default 5 s. */
  callbackTimeoutMs?: number;
  /** How long a 'timeout' fault holds an answer; must exceed the gateway's timeout. Default 60 s. */
  timeoutFaultHoldMs?: number;
  store?: SimulatorStore;
  /** See SimulatorOptions.panReferenceKey: required in practice with a persistent store. */
  panReferenceKey?: Buffer;
  clock?: Clock;
  ids?: IdSource;
}

export interface SimulatorServer {
  url: string;
  /** The simulator behind the server, for in-process inspection (tests, CLI). */
  simulator: Simulator;
  close(): Promise<void>;
}

type TokenParams = { network: string; tokenRef: string };

/** Path parameters win over the body: the URL says which token is meant. */
function withParams(request: FastifyRequest, params: object): unknown {
  const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
  return { ...body, ...params };
}

function pathNetwork(value: string): PaymentNetwork {
  if (!isPaymentNetwork(value)) refuse('unknown network');
  return value;
}

export async function startSimulatorServer(options: SimulatorServerOptions): Promise<SimulatorServer> {
  assertUsableSecret(options.secret);
  const callbacks = createHttpIssuerCallbacks({
    baseUrl: options.issuerCallbackUrl,
    secret: options.secret,
    timeoutMs: options.callbackTimeoutMs ?? 5_000,
  });
  const simulator = createSimulator({
    callbacks,
    requestorCallbacks: createHttpTokenRequestorCallbacks({
      baseUrl: options.requestorCallbackUrl ?? options.issuerCallbackUrl,
      secret: options.secret,
      timeoutMs: options.callbackTimeoutMs ?? 5_000,
    }),
    ...(options.store ? { store: options.store } : {}),
    ...(options.panReferenceKey ? { panReferenceKey: options.panReferenceKey } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.timeoutFaultHoldMs !== undefined ? { timeoutFaultHoldMs: options.timeoutFaultHoldMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  // Request logs carry method, URL (token references, never a PAN) and status; bodies are never logged.
  // forceCloseConnections: Node 20's server.close() waits forever on a connection that never sent a request
  // (HTTP clients open spares, e.g. after an aborted call), so close() cuts every connection once held calls are answered.
  const app = options.logger
    ? Fastify({ loggerInstance: options.logger, forceCloseConnections: true })
    : Fastify({ logger: false, forceCloseConnections: true });
  app.addHook('onRequest', bearerHook(options.secret));
  app.setErrorHandler(sendFailure);
  app.setNotFoundHandler(sendNotFound);

  app.post<{ Params: { network: string } }>(ROUTES.provision, async (request) =>
    simulator.provision(parseProvisionRequest(withParams(request, request.params))),
  );
  app.post<{ Params: { network: string } }>(ROUTES.cardOnFile, async (request) =>
    simulator.requestCardOnFileToken(parseCardOnFileRequest(withParams(request, request.params))),
  );
  app.get<{ Params: { network: string; idempotencyKey: string } }>(ROUTES.cardOnFileAnswer, async (request) => {
    const answer = await simulator.cardOnFileAnswer(pathNetwork(request.params.network), request.params.idempotencyKey);
    return answer ?? refuse(ANSWER_NOT_FOUND);
  });
  app.post<{ Params: TokenParams }>(ROUTES.tokenRequestorLifecycle, async (request) =>
    simulator.tokenRequestorLifecycle(parseTokenRequestorLifecycleRequest(withParams(request, request.params))),
  );
  app.get<{ Params: TokenParams }>(ROUTES.token, async (request) => {
    const token = await simulator.getToken(pathNetwork(request.params.network), request.params.tokenRef);
    return token ?? refuse(TOKEN_NOT_FOUND);
  });
  app.post<{ Params: TokenParams }>(ROUTES.lifecycle, async (request) => simulator.lifecycle(parseLifecycleRequest(withParams(request, request.params))));
  app.post<{ Params: TokenParams }>(ROUTES.approveLatestDevice, async (request) =>
    simulator.approveLatestInactiveDevice(parseApproveDeviceRequest(withParams(request, request.params))),
  );
  app.post<{ Params: TokenParams & { deviceId: string } }>(ROUTES.deviceBinding, async (request) =>
    simulator.deviceBinding(parseDeviceBindingRequest(withParams(request, request.params))),
  );
  app.post(ROUTES.faults, async (request, reply) => {
    await simulator.injectFault(parseFaultSpec(request.body));
    return reply.code(204).send();
  });
  app.post<{ Params: TokenParams }>(ROUTES.cryptogram, async (request) =>
    simulator.issueCryptogram(parseCryptogramRequest(withParams(request, request.params))),
  );
  app.post<{ Params: { network: string } }>(ROUTES.authorizations, async (request) =>
    simulator.authorize(parseAuthorizationRequest(withParams(request, request.params))),
  );
  app.post(ROUTES.walletEvents, async (request) => simulator.walletEvent(parseWalletEventRequest(request.body)));

  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port, host });
  } catch (err) {
    await simulator.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    simulator,
    async close() {
      // Held ('timeout' fault) calls are answered first, or the server would wait for them to run out.
      await simulator.close();
      await app.close();
    },
  };
}
