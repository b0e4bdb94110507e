/**
 * Bootstraps the issuer side through its HTTP APIs, as an operator and a wallet would: account → card → account
 * token (JWT) → provision through the simulated network. Also starts the two deployments of the network (the
 * in-process simulator, or `startSimulatorServer` over a real HTTP hop) and reads the audit trail and events.
 */
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { luhnCheckDigit } from '../../src/cards/luhn.js';
import { startSimulatorServer, type SimulatorServer } from '../../src/network/http/server.js';
import type { Decision, NetworkTokenStatus, PaymentNetwork, Wallet } from '../../src/network/types.js';
import { startTestServer, type TestServer, type TestServerOptions } from './app.js';
import type { EngineName } from './engines.js';
import { request, type HttpResult } from './http.js';

export const NETWORKS: readonly PaymentNetwork[] = ['vts', 'mdes'];
export const NETWORK_SECRET = 'tessera-test-network-secret-0123456789';
/** A short network timeout, for the files where timeouts are exercised (long enough for a loaded 2-core machine to answer in time). */
export const SHORT_TIMEOUT_ENV = { TESSERA_NETWORK_TIMEOUT_MS: '800' } as const;

export type Deployment = 'in-process' | 'http';
export const DEPLOYMENTS: readonly Deployment[] = ['in-process', 'http'];

// ---------------------------------------------------------------------------------------------------------
// Card numbers

/** A random Luhn-valid PAN starting with `prefix`; distinct PANs keep the tests of one server independent. */
export function makePan(prefix: string, length = 16): string {
  let body = prefix;
  while (body.length < length - 1) body += String(randomInt(10));
  return body + luhnCheckDigit(body);
}

/** Visa (`4895370012003478`-style) and Mastercard (`5555…`) PANs: the brands the two simulated networks carry. */
export const visaPan = (): string => makePan('4895370');
export const mastercardPan = (): string => makePan('5555');
export const panFor = (network: PaymentNetwork): string => (network === 'vts' ? visaPan() : mastercardPan());

export const EXPIRY = { expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 3 } as const;

// ---------------------------------------------------------------------------------------------------------
// Servers

export interface IssuerServer {
  server: TestServer;
  deployment: Deployment;
  /** The simulator server of the HTTP deployment (its `simulator` shows the network's own view). */
  network?: SimulatorServer;
  api: IssuerApi;
  close(): Promise<void>;
}

/** A free loopback port: bound by a throwaway server, then released for the simulator to take. */
export async function reservePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export type IssuerServerOptions = TestServerOptions & { deployment?: Deployment };

/**
 * A Tessera test server with the network in-process (default), or over HTTP: Tessera starts first with
 * TESSERA_NETWORK_URL pointing at a reserved port, then the simulator server takes that port with Tessera's
 * base URL as its issuer callback URL; both share TESSERA_NETWORK_SECRET.
 */
export async function startIssuerServer(engine: EngineName, options: IssuerServerOptions = {}): Promise<IssuerServer> {
  const deployment = options.deployment ?? 'in-process';
  if (deployment === 'in-process') {
    const server = await startTestServer(engine, options);
    return { server, deployment, api: new IssuerApi(server), close: () => server.close() };
  }
  const port = await reservePort();
  const server = await startTestServer(engine, {
    ...options,
    env: { ...options.env, TESSERA_NETWORK_URL: `http://127.0.0.1:${port}`, TESSERA_NETWORK_SECRET: NETWORK_SECRET },
  });
  let network: SimulatorServer;
  try {
    network = await startSimulatorServer({
      port,
      issuerCallbackUrl: server.baseUrl,
      secret: NETWORK_SECRET,
      // A 'timeout' fault must hold the call longer than Tessera waits, and no longer than needed.
      timeoutFaultHoldMs: server.config.network.timeoutMs * 2,
      // The network keeps the server's time, so a test moving the server's clock moves the network's too.
      ...(options.clock ? { clock: options.clock } : {}),
    });
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    server,
    deployment,
    network,
    api: new IssuerApi(server),
    async close() {
      await network.close();
      await server.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP clients

export interface TokenOperationBody {
  operation_type: string;
  operation_reason: string;
  activation_code?: string;
  operator_id?: string;
}

export interface DeviceBindingBody {
  operator_id: string;
  operation_type: string;
  operation_reason: string;
  device_index: number;
  activation_code?: string;
}

/** The admin / sandbox API (admin token) and the issuer API (account token), over real HTTP. */
export class IssuerApi {
  constructor(readonly server: TestServer) {}

  admin<T = any>(method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return request<T>(this.server.baseUrl, method, path, { bearer: this.server.adminToken, ...(body !== undefined ? { body } : {}) });
  }

  createAccount(body?: Record<string, unknown>) {
    return this.admin('POST', '/admin/v1/accounts', body);
  }
  createCard(accountId: number, body: Record<string, unknown>) {
    return this.admin('POST', `/admin/v1/accounts/${accountId}/cards`, body);
  }
  accessToken(accountId: number) {
    return this.admin('POST', `/admin/v1/accounts/${accountId}/access-tokens`);
  }
  provision(body: Record<string, unknown>) {
    return this.admin('POST', '/sandbox/v1/provision', body);
  }
  fault(body: { network: PaymentNetwork; mode: string; operation?: string; count?: number }) {
    return this.admin('POST', '/sandbox/v1/faults', body);
  }
  walletEvent(body: { token_id: string; event: string; entity?: string; device_id?: string }) {
    return this.admin('POST', '/sandbox/v1/wallet-events', body);
  }

  issuer<T = any>(jwt: string | undefined, method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
    return request<T>(this.server.baseUrl, method, `/cards-tokenization${path}`, {
      ...(jwt !== undefined ? { bearer: jwt } : {}),
      ...(body !== undefined ? { body } : {}),
    });
  }
  listTokens(jwt: string, cardId: number) {
    return this.issuer(jwt, 'GET', `/v1/cards/${cardId}/network-tokens`);
  }
  getToken(jwt: string, cardId: number, tokenId: string) {
    return this.issuer(jwt, 'GET', `/v1/cards/${cardId}/network-tokens/${tokenId}`);
  }
  operate(jwt: string, cardId: number, tokenId: string, body: TokenOperationBody) {
    return this.issuer(jwt, 'POST', `/v1/cards/${cardId}/network-tokens/${tokenId}`, body);
  }
  operateCard(jwt: string, cardId: number, body: TokenOperationBody) {
    return this.issuer(jwt, 'POST', `/v1/cards/${cardId}`, body);
  }
  bind(jwt: string, cardId: number, tokenId: string, deviceId: string, body: DeviceBindingBody) {
    return this.issuer(jwt, 'POST', `/v1/cards/${cardId}/network-tokens/${tokenId}/devices/${encodeURIComponent(deviceId)}/binding`, body);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Bootstrap

export interface TestAccount {
  accountId: number;
  orgId: string;
  programId: string;
  /** The account token (JWT) for the issuer API. */
  jwt: string;
}

export interface TestCard {
  cardId: number;
  pan: string;
  network: PaymentNetwork;
}

export interface TestToken {
  account: TestAccount;
  card: TestCard;
  tokenId: string;
  tokenRef: string;
  panRef: string;
}

export async function createAccount(api: IssuerApi): Promise<TestAccount> {
  const account = await api.createAccount();
  expect(account.status, account.text).toBe(201);
  const token = await api.accessToken(account.body.account_id);
  expect(token.status, token.text).toBe(201);
  return { accountId: account.body.account_id, orgId: account.body.org_id, programId: account.body.program_id, jwt: token.body.access_token };
}

export async function createCard(api: IssuerApi, account: TestAccount, network: PaymentNetwork, pan = panFor(network)): Promise<TestCard> {
  const card = await api.createCard(account.accountId, { pan, ...EXPIRY, cardholder_name: 'Jane Doe' });
  expect(card.status, card.text).toBe(201);
  return { cardId: card.body.card_id, pan, network };
}

export interface ProvisionOptions {
  decision?: Decision;
  wallet?: Wallet;
  device_id?: string;
}

export async function provisionToken(api: IssuerApi, account: TestAccount, card: TestCard, options: ProvisionOptions = {}): Promise<TestToken> {
  const res = await api.provision({ card_id: card.cardId, network: card.network, wallet: options.wallet ?? 'APPLE_PAY', ...options });
  expect(res.status, res.text).toBe(201);
  expect(res.body.status).toBe(options.decision === 'YELLOW' ? 'INACTIVE' : 'ACTIVE');
  return { account, card, tokenId: res.body.token_id, tokenRef: res.body.token_ref, panRef: res.body.pan_ref };
}

/** Account → card → account token → provisioned token, in one go. */
export async function bootstrapIssuer(api: IssuerApi, network: PaymentNetwork, options: ProvisionOptions = {}): Promise<TestToken> {
  const account = await createAccount(api);
  const card = await createCard(api, account, network);
  return provisionToken(api, account, card, options);
}

export type TokenState = NetworkTokenStatus;
export const STATES: readonly TokenState[] = ['ACTIVE', 'INACTIVE', 'SUSPENDED', 'DEACTIVATED'];

/**
 * A token of the card in `state`: ACTIVE by a GREEN provisioning, INACTIVE by YELLOW, SUSPENDED by the issuer's
 * SUSPEND, DEACTIVATED by the issuer's DELETE.
 */
export async function tokenInState(
  api: IssuerApi,
  account: TestAccount,
  card: TestCard,
  state: TokenState,
  options: Omit<ProvisionOptions, 'decision'> = {},
): Promise<TestToken> {
  const token = await provisionToken(api, account, card, { ...options, decision: state === 'INACTIVE' ? 'YELLOW' : 'GREEN' });
  if (state === 'SUSPENDED' || state === 'DEACTIVATED') {
    const res = await api.operate(account.jwt, card.cardId, token.tokenId, {
      operation_type: state === 'SUSPENDED' ? 'SUSPEND' : 'DELETE',
      operation_reason: 'test setup',
    });
    expect(res.status, res.text).toBe(200);
  }
  expect(await statusOf(api, token)).toBe(state);
  return token;
}

/** The token as the issuer API shows it (asserting the GET succeeds). */
export async function getToken(api: IssuerApi, token: TestToken): Promise<any> {
  const res = await api.getToken(token.account.jwt, token.card.cardId, token.tokenId);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

export async function statusOf(api: IssuerApi, token: TestToken): Promise<string> {
  return (await getToken(api, token)).status;
}

/** Asserts a Pismo error answer: the status, and a body of exactly `{error_code, message}`. */
export function expectPismoError(res: HttpResult, status: number, errorCode: string, message?: string | RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body as object).sort()).toEqual(['error_code', 'message']);
  const body = res.body as { error_code: unknown; message: unknown };
  expect(body.error_code).toBe(errorCode);
  expect(typeof body.message).toBe('string');
  if (message instanceof RegExp) expect(body.message).toMatch(message);
  else if (message !== undefined) expect(body.message).toBe(message);
}

/** Asserts an admin-envelope error answer. */
export function expectAdminError(res: HttpResult, status: number, errorCode: string): void {
  expect(res.status, res.text).toBe(status);
  expect((res.body as { error_code?: unknown }).error_code).toBe(errorCode);
  expect(typeof (res.body as { message?: unknown }).message).toBe('string');
}

// ---------------------------------------------------------------------------------------------------------
// Audit trail and events

export interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  object_id: string;
  status_before: string | null;
  status_after: string | null;
  reason: string | null;
  detail: Record<string, unknown> | null;
}

/** The audit rows of one network token, in `at` order. */
export async function auditRowsOf(server: TestServer, tokenId: string): Promise<AuditRow[]> {
  const rows = await server.app.core.store.db
    .selectFrom('audit_log')
    .selectAll()
    .where('object_type', '=', 'network_token')
    .where('object_id', '=', tokenId)
    .orderBy('at')
    .execute();
  return rows.map((r) => ({ ...r, detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null }));
}

export interface EventRow {
  type: string;
  created_at: string;
  payload: Record<string, any>;
}

/** The events (outbox) about one network token, in creation order. */
export async function eventsOf(server: TestServer, tokenId: string): Promise<EventRow[]> {
  const rows = await server.app.core.store.db.selectFrom('events').selectAll().orderBy('created_at').execute();
  return rows
    .map((r) => ({ type: r.type, created_at: r.created_at, payload: JSON.parse(r.payload) as Record<string, any> }))
    .filter((e) => e.payload.token_id === tokenId);
}

/** The stored row of a network token (what the issuer side believes). */
export async function storedToken(server: TestServer, tokenId: string) {
  return server.app.core.store.db.selectFrom('network_tokens').selectAll().where('id', '=', tokenId).executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------------------
// Time

/** A clock the test moves by hand, handed to the server as its clock. */
export interface MutableClock {
  now: Date;
  readonly clock: () => Date;
  advanceMs(ms: number): void;
}

export function mutableClock(start: Date = new Date()): MutableClock {
  const c: MutableClock = {
    now: start,
    clock: () => c.now,
    advanceMs: (ms) => void (c.now = new Date(c.now.getTime() + ms)),
  };
  return c;
}
