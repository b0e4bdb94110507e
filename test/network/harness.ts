/**
 * The two deployments under one shape, so the same gateway tests run in-process and over real HTTP
 * (gateway → simulator server → issuer callback routes on a separate Fastify instance, all on port 0).
 */
import Fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { registerNetworkCallbackRoutes } from '../../src/api/network-callbacks/routes.js';
import { createHttpGateway } from '../../src/network/http/gateway-client.js';
import { startSimulatorServer } from '../../src/network/http/server.js';
import type { IdSource } from '../../src/network/ids.js';
import { createInProcessGateway } from '../../src/network/simulator/in-process-gateway.js';
import { createSimulator, type Simulator } from '../../src/network/simulator/simulator.js';
import type { SimulatorStore } from '../../src/network/simulator/store.js';
import type { SandboxNetwork } from '../../src/network/sandbox.js';
import { SECRET, fakeIssuer, type FakeIssuer } from './helpers.js';

/** Generous for ordinary calls (never the thing under test); short where a timeout is the point. */
export const NORMAL_TIMEOUT_MS = 10_000;
export const SHORT_TIMEOUT_MS = 150;

export interface Harness {
  issuer: FakeIssuer;
  gateway: SandboxNetwork;
  /** Same simulator, short timeout: for the calls a 'timeout' fault holds. */
  fastGateway: SandboxNetwork;
  simulator: Simulator;
  close(): Promise<void>;
}

export interface HarnessOptions {
  ids?: IdSource;
  store?: SimulatorStore;
  logger?: FastifyBaseLogger;
}

export async function inProcessHarness(options: HarnessOptions = {}): Promise<Harness> {
  const issuer = fakeIssuer();
  const simulator = createSimulator({
    callbacks: issuer.callbacks,
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.store ? { store: options.store } : {}),
  });
  const gateway = createInProcessGateway(simulator, { timeoutMs: NORMAL_TIMEOUT_MS });
  const fastGateway = createInProcessGateway(simulator, { timeoutMs: SHORT_TIMEOUT_MS });
  return {
    issuer,
    gateway,
    fastGateway,
    simulator,
    async close() {
      await fastGateway.close();
      await gateway.close();
    },
  };
}

export interface HttpHarness extends Harness {
  simulatorUrl: string;
  issuerUrl: string;
}

export async function httpHarness(options: HarnessOptions = {}): Promise<HttpHarness> {
  const issuer = fakeIssuer();
  // forceCloseConnections: see http-server.ts, the simulator's HTTP client may leave a never-used spare connection.
  const issuerApp = Fastify({ logger: false, forceCloseConnections: true });
  registerNetworkCallbackRoutes(issuerApp, { callbacks: issuer.callbacks, secret: SECRET });
  await issuerApp.listen({ port: 0, host: '127.0.0.1' });
  const address = issuerApp.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('issuer app has no port');
  const issuerUrl = `http://127.0.0.1:${address.port}`;

  const server = await startSimulatorServer({
    port: 0,
    issuerCallbackUrl: issuerUrl,
    secret: SECRET,
    callbackTimeoutMs: NORMAL_TIMEOUT_MS,
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const gateway = createHttpGateway({ baseUrl: server.url, secret: SECRET, timeoutMs: NORMAL_TIMEOUT_MS });
  const fastGateway = createHttpGateway({ baseUrl: server.url, secret: SECRET, timeoutMs: SHORT_TIMEOUT_MS });
  return {
    issuer,
    gateway,
    fastGateway,
    simulator: server.simulator,
    simulatorUrl: server.url,
    issuerUrl,
    async close() {
      await gateway.close();
      await fastGateway.close();
      await server.close();
      await issuerApp.close();
    },
  };
}

export const HARNESSES = [
  ['in-process', inProcessHarness],
  ['http', httpHarness],
] as const;
