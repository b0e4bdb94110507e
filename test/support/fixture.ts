/**
 * The shared test fixture: one call per thing a suite needs, each registering its own `beforeAll` / `afterAll` in
 * the describe block that calls it. A new HTTP test needs no setup code of its own:
 *
 *   describe.each(ENGINES)('my feature on %s', (engine) => {
 *     const server = useTestServer(engine);
 *     const merchant = useMerchant(server);
 *     it('tokenizes', async () => {
 *       expect((await tokenize(server, merchant)).status).toBe(200);
 *     });
 *   });
 *
 * Each call returns its object at once, still empty; its `beforeAll` fills it in (the started server's or the
 * bootstrapped merchant's properties are copied onto it) before the first test, and its `afterAll` closes what it
 * started. So read the properties inside tests and hooks, never in the describe body itself; passing the object
 * on (to another `use…`, or to `new MerchantApi(server, merchant)`, which read it later) is fine. Hooks run in
 * the order they are registered: a later `use…`, or a `beforeAll` of the file, sees the earlier ones filled in.
 */
import { afterAll, beforeAll } from 'vitest';
import type { PaymentNetwork } from '../../src/network/types.js';
import { startTestServer, type TestServer, type TestServerOptions } from './app.js';
import type { EngineName } from './engines.js';
import {
  bootstrapIssuer,
  createAccount,
  createCard,
  IssuerApi,
  NETWORKS,
  startIssuerServer,
  type IssuerServer,
  type IssuerServerOptions,
  type ProvisionOptions,
  type TestAccount,
  type TestCard,
  type TestToken,
} from './issuer.js';
import { bootstrapMerchant, type TestMerchant } from './merchant.js';

/** Options, or a function computing them in the `beforeAll` (for options that need an earlier hook's result). */
export type Deferred<T> = T | (() => T | Promise<T>);

const resolve = async <T>(options: Deferred<T>): Promise<T> => (typeof options === 'function' ? (options as () => T | Promise<T>)() : options);

/** An object filled in by `beforeAll` with what `make` returns; `close` runs on it in `afterAll` (if it was made). */
function provide<T extends object>(make: () => Promise<T>, close?: (made: T) => Promise<void>): T {
  const handle = {} as T;
  let made: T | undefined;
  beforeAll(async () => {
    made = await make();
    Object.assign(handle, made);
  });
  if (close) afterAll(async () => void (made && (await close(made))));
  return handle;
}

/** A Tessera server on `engine` (its own database, real HTTP), started before the block's tests, closed after. */
export function useTestServer(engine: EngineName, options: Deferred<TestServerOptions> = {}): TestServer {
  return provide(
    async () => startTestServer(engine, await resolve(options)),
    (server) => server.close(),
  );
}

/**
 * A Tessera server with the simulated network, in-process (default) or over HTTP (`deployment: 'http'`). Its
 * `server` and `api` objects exist at once (so `const { api } = useIssuerServer(engine)` works); `network` is set
 * for the HTTP deployment.
 */
export function useIssuerServer(engine: EngineName, options: Deferred<IssuerServerOptions> = {}): IssuerServer {
  const server = {} as TestServer;
  const issuer = { server, api: new IssuerApi(server) } as IssuerServer;
  let started: IssuerServer | undefined;
  beforeAll(async () => {
    started = await startIssuerServer(engine, await resolve(options));
    const { server: startedServer, api: _api, ...rest } = started;
    Object.assign(server, startedServer);
    Object.assign(issuer, rest);
  });
  afterAll(async () => {
    await started?.close();
  });
  return issuer;
}

/** A merchant bootstrapped through the admin API (merchant, API key, token scope, capture key) on `server`. */
export function useMerchant(
  server: TestServer,
  scopeOptions?: Parameters<typeof bootstrapMerchant>[1],
  algorithm?: Parameters<typeof bootstrapMerchant>[2],
): TestMerchant {
  return provide(() => bootstrapMerchant(server, scopeOptions, algorithm));
}

/** A provisioned network token on `network`: a new account, a card of it, its account token, then provisioning. */
export function useIssuerToken(issuer: IssuerServer, network: PaymentNetwork, options: ProvisionOptions = {}): TestToken {
  return provide(() => bootstrapIssuer(issuer.api, network, options));
}

/** For each of `networks`: a new account (with its account token) and a card of it on that network. */
export function useCardsByNetwork(
  issuer: IssuerServer,
  networks: readonly PaymentNetwork[] = NETWORKS,
): Record<PaymentNetwork, { account: TestAccount; card: TestCard }> {
  return provide(async () => {
    const cards = {} as Record<PaymentNetwork, { account: TestAccount; card: TestCard }>;
    for (const network of networks) {
      const account = await createAccount(issuer.api);
      cards[network] = { account, card: await createCard(issuer.api, account, network) };
    }
    return cards;
  });
}
