/**
 * The composition root: config → store → vault → services → HTTP. Nothing else wires modules together.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError, type Config } from './config.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { createFormattedLogger } from './log-format.js';
import { openStore, type Store } from './store/database.js';
import { createChangeFeed, type ChangeFeed } from './store/change-feed.js';
import { createMasterKeyring } from './vault/keyring.js';
import { createDataKeys, type DataKeys } from './keys/data-keys.js';
import { createDataKeysDal, type DataKeysDal } from './keys/dal.js';
import { createSealedData } from './keys/sealed-data.js';
import { chainLegacyAuditRecords } from './ledger/legacy-audit.js';
import { verifyAuditTrail, type VerifyReport } from './ledger/audit-verify.js';
import { createAuditQuery } from './ledger/audit-query.js';
import { createFailedAuthAudit, type FailedAuthAudit } from './ledger/failed-authentications.js';
import { createAuditAnchors, startAnchorLoop, type AnchorKey, type AnchorLoop, type AuditAnchors } from './ledger/anchors.js';
import { loadBinTable } from './cards/index.js';
import { systemClock, type Clock } from './clock.js';
import { createHttpServer } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { addOperationalRoutes } from './http/ops.js';
import { httpReachable, readinessChecks } from './http/readiness.js';
import { createCaptureKeyService, type CaptureKeyService } from './merchant/capture-key-service.js';
import { createMerchantTokenService, type MerchantTokenService } from './merchant/token-service.js';
import { createMerchantDal } from './merchant/dal.js';
import { createTokenExpiry, startTokenExpiry, type ExpiryJob, type TokenExpiry } from './merchant/token-expiry.js';
import { createTokenRequestorService, type TokenRequestorService } from './merchant/token-requestors.js';
import { createSchemeTokenService, type SchemeTokenService } from './merchant/scheme-tokens.js';
import { createMerchantAuthenticator } from './auth/merchant-basic.js';
import { withFailureBackoff, type GuardedMerchantAuthenticator } from './auth/merchant-backoff.js';
import { createRequestLimits } from './auth/rate-limits.js';
import { registerVerifoneRoutes } from './api/verifone/routes.js';
import { createMerchantAdmin, type MerchantAdmin } from './admin/merchant-admin.js';
import { createAdminDal } from './admin/dal.js';
import { registerAdminRoutes } from './api/admin/routes.js';
import { createIssuerAccounts, type IssuerAccounts } from './issuer/accounts.js';
import { createIssuerDal } from './issuer/dal.js';
import { createIssuerTokenService, type IssuerTokenService } from './issuer/token-service.js';
import { startReconciler, type Reconciler } from './issuer/reconciler.js';
import { createAccountTokenIssuer, createAccountTokenVerifier, type AccountTokenIssuer, type AccountTokenVerifier } from './auth/account-token.js';
import { ed25519JwkFromSeed } from './auth/signing-key.js';
import { cacheVerifiedTokens } from './auth/verified-token-cache.js';
import { ISSUER_OWNER, SYSTEM_OWNER } from './owners.js';
import { registerPismoRoutes } from './api/pismo/routes.js';
import {
  createHttpGateway,
  createInProcessGateway,
  createSimulator,
  derivePanReferenceKey,
  openDatabaseSimulatorStore,
  meterGateway,
  type SandboxNetwork,
  type TokenRequestorCallbacks,
} from './network/index.js';
import { noMetrics } from './metrics.js';
import { registerNetworkCallbackRoutes } from './api/network-callbacks/routes.js';
import { registerSandboxRoutes } from './api/sandbox/routes.js';
import { createWebhooksDal } from './webhooks/dal.js';
import { createWebhookEndpoints, type WebhookEndpoints } from './webhooks/endpoints.js';
import { startRelay, type Relay } from './webhooks/relay.js';
import { createSender } from './webhooks/sender.js';
import type { WebhooksDal } from './webhooks/dal.js';
import type { DestinationPolicy } from './webhooks/destination.js';
import type { SealedData } from './keys/sealed-data.js';
import { createNatsDal } from './nats/dal.js';
import { startNatsPublisher, type NatsPublisher } from './nats/publisher.js';

export interface CoreOptions {
  logger?: Logger;
  clock?: Clock;
  /** What the parts measure (buildApp hands in the one /metrics serves); nothing measured when omitted. */
  metrics?: Metrics;
}

/** Everything but HTTP: what the server and the CLI's admin commands share. */
export interface Core {
  config: Config;
  store: Store;
  logger: Logger;
  clock: Clock;
  dataKeys: DataKeys;
  /** Changes other instances must hear of (revoked API keys, rotated data keys); buildApp starts hearing them. */
  changes: ChangeFeed;
  merchants: MerchantAdmin;
  captureKeys: CaptureKeyService;
  tokens: MerchantTokenService;
  /** Destroys the sealed card of tokens expired longer than the retention period (`tessera expire`, buildApp's job). */
  tokenExpiry: TokenExpiry;
  /** Merchants' token requestor ids per network (issue 10). */
  tokenRequestors: TokenRequestorService;
  /** Merchants' card-on-file network tokens, through the network (issue 10). */
  schemeTokens: SchemeTokenService;
  authenticator: GuardedMerchantAuthenticator;
  issuerAdmin: IssuerAccounts;
  issuerTokens: IssuerTokenService;
  /** Webhook endpoints of merchants and issuer accounts (webhooks/endpoints.ts). */
  webhooks: WebhookEndpoints;
  /** What the outbox relay is built from (buildApp starts it). */
  delivery: { dal: WebhooksDal; sealed: SealedData; policy: DestinationPolicy };
  /** The network: its production operations (NetworkGateway) and, being a simulator, its sandbox controls. */
  gateway: SandboxNetwork;
  accountTokenVerifier(): Promise<AccountTokenVerifier>;
  /** Signs the audit chains' heads (ledger/anchors.ts). */
  auditAnchors: AuditAnchors;
  close(): Promise<void>;
}

/** The vault key that signs audit anchors: a data key of the system, purpose `audit-anchor`. */
function anchorKey(dataKeys: DataKeys, dal: DataKeysDal): AnchorKey {
  return {
    current: () => dataKeys.current(SYSTEM_OWNER, 'audit-anchor'),
    get: async (version) => ((await dal.version(SYSTEM_OWNER, 'audit-anchor', version)) ? dataKeys.get(SYSTEM_OWNER, 'audit-anchor', version) : undefined),
  };
}

/** The account-token signer and verifier, built on first use from the issuer's signing key (a data key). */
function accountTokens(config: Config, dataKeys: DataKeys, clock: Clock) {
  let built: Promise<{ issuer: AccountTokenIssuer; verifier: AccountTokenVerifier }> | undefined;
  const build = async () => {
    const { key } = await dataKeys.current(ISSUER_OWNER, 'signing');
    const privateJwk = ed25519JwkFromSeed(key);
    const { d: _secret, ...publicJwk } = privateJwk;
    void _secret;
    return {
      issuer: createAccountTokenIssuer({ privateJwk, issuer: 'tessera', ttlSeconds: config.accountTokenTtlSeconds, now: clock }),
      verifier: cacheVerifiedTokens(
        createAccountTokenVerifier({
          now: clock,
          local: { publicJwk, issuer: 'tessera' },
          ...(config.externalJwtIssuer ? { external: config.externalJwtIssuer } : {}),
        }),
        clock,
      ),
    };
  };
  const get = () =>
    (built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    }));
  return { issuer: async () => (await get()).issuer, verifier: async () => (await get()).verifier };
}

/**
 * Fails the start when some data key is wrapped by a master key this process does not have (a wrong or missing
 * key in TESSERA_MASTER_KEY / TESSERA_PREVIOUS_MASTER_KEYS): better than starting and failing every request that
 * needs one of them.
 */
async function refuseUnknownMasterKeys(dataKeys: DataKeys, store: Store): Promise<void> {
  let summary: Awaited<ReturnType<DataKeys['wrappingSummary']>>;
  try {
    summary = await dataKeys.wrappingSummary();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  if (summary.unknown === 0) return;
  await store.close().catch(() => undefined);
  throw new ConfigError(
    `${summary.unknown} data keys are wrapped by a master key that is not configured (id ${summary.unknownMasterKeyIds.join(', ')}): set it as TESSERA_MASTER_KEY or in TESSERA_PREVIOUS_MASTER_KEYS`,
  );
}

export async function buildCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const logger = options.logger ?? createFormattedLogger(config.logLevel, config.logFormat);
  const clock = options.clock ?? systemClock;
  const binTable = loadBinTable(config.binTablePath);
  const store = await openStore(config.database, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'database connection lost; the pool replaces it'),
    waitSeconds: config.databaseWaitSeconds,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const changes = createChangeFeed({ db: store.db, transact: store.transact, database: config.database, log: logger, clock });
  // Nothing is re-wrapped here: a process started with a new master key must not move data keys away from a key
  // the running instances still need. That is `tessera rewrap`, a step of the documented rotation.
  const dataKeysDal = createDataKeysDal(store.db);
  const dataKeys = createDataKeys({
    dal: dataKeysDal,
    keyring: createMasterKeyring(config.masterKey, config.previousMasterKeys),
    clock,
    onRotated: (owner) => changes.announce('data_key', owner),
  });
  changes.subscribe('data_key', (change) => dataKeys.forgetNewest(change.subject));
  await refuseUnknownMasterKeys(dataKeys, store);
  const chained = await chainLegacyAuditRecords(store.db, store.transact);
  if (chained > 0) logger.info({ chained }, 'audit records written before the audit chain appended to their chains');
  const sealed = createSealedData(dataKeys);
  const merchantDal = createMerchantDal(store.db);
  const captureKeys = createCaptureKeyService({
    dal: merchantDal,
    transact: store.transact,
    sealed,
    clock,
    decryption: config.decryption,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    changes,
  });
  // A capture key revoked on another instance stops decrypting here too.
  changes.subscribe('capture_key', (change) => captureKeys.forget(change.subject));
  const signing = accountTokens(config, dataKeys, clock);

  // The issuer service and the network call each other (operations one way, decisions and notifications the
  // other), so the gateway is handed over once both exist.
  let gateway: SandboxNetwork | undefined;
  // Bound once the scheme-token service exists (it needs the gateway in turn).
  const requestorCallbacks: TokenRequestorCallbacks = {
    notify: (token) => schemeTokens.onNetworkUpdate(token),
  };
  const issuerDal = createIssuerDal(store.db);
  const issuerTokens = createIssuerTokenService({
    dal: issuerDal,
    transact: store.transact,
    sealed,
    clock,
    gateway: () => {
      if (!gateway) throw new Error('network gateway used before start-up finished');
      return gateway;
    },
    // A pending operation younger than a network call's timeout may still be awaiting its answer.
    pendingGraceMs: config.network.timeoutMs,
  });
  const unmetered: SandboxNetwork = config.network.url
    ? createHttpGateway({ baseUrl: config.network.url, secret: config.network.secret, timeoutMs: config.network.timeoutMs })
    : createInProcessGateway(
        createSimulator({
          callbacks: issuerTokens.callbacks,
          // The merchant side, as its merchants' token service provider, hears of changes to their scheme tokens.
          requestorCallbacks: { notify: (token) => requestorCallbacks.notify(token) },
          // The network's state lives in the same database (its own tables), so provisioned tokens survive a restart.
          store: await openDatabaseSimulatorStore(store),
          clock,
          panReferenceKey: derivePanReferenceKey(config.masterKey),
          timeoutFaultHoldMs: config.network.timeoutMs * 2,
          logger,
        }),
        { timeoutMs: config.network.timeoutMs },
      );
  // Every network call counted by network, operation and outcome, with its duration.
  gateway = meterGateway(unmetered, options.metrics ?? noMetrics);
  const network = gateway;
  const webhooksDal = createWebhooksDal(store.db, store.engine);
  const webhookPolicy = { production: config.production, allowPrivate: config.webhooks.allowPrivate, allowedHosts: config.webhooks.allowedHosts };
  // Failed authentications cost the caller a fixed delay and are limited per address and key id (merchant-backoff.ts).
  const authenticator = withFailureBackoff(createMerchantAuthenticator({ findApiKey: merchantDal.findApiKeyCredential, clock }), config.rateLimits, clock);
  // A key revoked on another instance is forgotten here too (the instance that revoked forgets it at once itself).
  changes.subscribe('api_key', (change) => (change.subject === undefined ? authenticator.forgetAll() : authenticator.forget(change.subject)));
  const schemeTokens = createSchemeTokenService({
    dal: merchantDal,
    transact: store.transact,
    sealed,
    clock,
    gateway: () => network,
    pendingGraceMs: config.network.timeoutMs,
  });

  return {
    config,
    store,
    logger,
    clock,
    dataKeys,
    changes,
    merchants: createMerchantAdmin({ dal: createAdminDal(store.db), transact: store.transact, clock, changes }),
    captureKeys,
    tokenExpiry: createTokenExpiry({ dal: merchantDal, transact: store.transact, clock, retentionDays: config.expiry.retentionDays }),
    tokenRequestors: createTokenRequestorService({ dal: merchantDal, transact: store.transact, clock }),
    schemeTokens,
    tokens: createMerchantTokenService({ dal: merchantDal, transact: store.transact, sealed, captureKeys, binTable, clock, schemeTokens }),
    // Failed authentications cost the caller a fixed delay and are limited per address and key id (merchant-backoff.ts).
    authenticator,
    issuerAdmin: createIssuerAccounts({ dal: issuerDal, transact: store.transact, sealed, clock, tokenIssuer: signing.issuer }),
    issuerTokens,
    webhooks: createWebhookEndpoints({
      dal: webhooksDal,
      transact: store.transact,
      sealed,
      clock,
      policy: webhookPolicy,
      secretOverlapSeconds: config.webhooks.secretOverlapSeconds,
    }),
    delivery: { dal: webhooksDal, sealed, policy: webhookPolicy },
    gateway: network,
    accountTokenVerifier: signing.verifier,
    auditAnchors: createAuditAnchors({
      db: store.db,
      transact: store.transact,
      key: anchorKey(dataKeys, dataKeysDal),
      clock,
      policy: { everyRecords: config.audit.anchorEveryRecords, intervalMs: config.audit.anchorIntervalMs },
    }),
    async close() {
      // Each part is closed even if one before it fails to close.
      try {
        await changes.close();
        await network.close();
      } finally {
        try {
          await captureKeys.close();
        } finally {
          await store.close();
        }
      }
    },
  };
}

export interface App {
  core: Core;
  http: FastifyInstance;
  reconciler: Reconciler;
  /** The outbox relay delivering webhooks (webhooks/relay.ts). */
  relay: Relay;
  /** The NATS JetStream publisher, when TESSERA_NATS_URL is set (nats/publisher.ts). */
  nats?: NatsPublisher;
  expiry: ExpiryJob;
  anchorLoop: AnchorLoop;
  /** Failed authentications of every API, audited (its minutes that are over are flushed with the anchor loop). */
  failedAuth: FailedAuthAudit;
  /** Settles the merchant side's pending scheme-token provisionings (issue 10), alongside the issuer's. */
  schemeReconciler: Reconciler;
  close(): Promise<void>;
}

const ANCHOR_CHECK_MAX_MS = 5_000;

/**
 * What `tessera audit verify` needs and nothing more: the database as it is (no migration, no start-up work) and
 * the vault's anchor key, unwrapped with the master key of `config`.
 */
export async function openAuditVerification(config: Config): Promise<{ verify(): Promise<VerifyReport>; close(): Promise<void> }> {
  const store = await openStore(config.database, { migrate: false });
  const dal = createDataKeysDal(store.db);
  const dataKeys = createDataKeys({ dal, keyring: createMasterKeyring(config.masterKey, config.previousMasterKeys), clock: systemClock });
  return { verify: () => verifyAuditTrail(store.db, anchorKey(dataKeys, dal)), close: () => store.close() };
}

export interface AppOptions extends CoreOptions {
  /** false: no reconciler at start-up nor periodically (the CLI's in-process admin API, which only administers). */
  reconciler?: boolean;
}

export async function buildApp(config: Config, options: AppOptions = {}): Promise<App> {
  const metrics = createMetrics();
  const core = await buildCore(config, { ...options, metrics });
  // Revocations and key changes made by other instances (or the CLI) reach this one's caches within 2 s.
  await core.changes.start();
  const http = createHttpServer(core.logger, config.http);
  // Before the APIs, so that every route is counted by the metrics hook.
  await addOperationalRoutes(http, {
    metrics,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    readiness: readinessChecks({
      database: { ping: () => core.store.ping() },
      migrations: { pending: () => core.store.pendingMigrations() },
      ...(config.network.url ? { network: httpReachable(config.network.url) } : {}),
    }),
  });
  // Requests per client address and per credential, shared by every API (429 with Retry-After in each envelope).
  const limits = createRequestLimits(config.rateLimits, core.clock);
  // Failed authentications of every API go to the audit trail, a bounded number a minute (ledger/failed-authentications.ts).
  const failedAuth = createFailedAuthAudit({
    transact: core.store.transact,
    clock: core.clock,
    keysPerMinute: config.audit.failedAuthKeysPerMinute,
    onError: (error) => core.logger.warn({ err: error }, 'a failed authentication could not be audited'),
  });
  registerVerifoneRoutes(http, { tokens: core.tokens, authenticator: core.authenticator, limits, failedAuth });
  registerAdminRoutes(http, {
    limits,
    adminToken: config.adminToken,
    merchants: core.merchants,
    captureKeys: core.captureKeys,
    authenticator: core.authenticator,
    issuerAccounts: core.issuerAdmin,
    webhooks: core.webhooks,
    failedAuth,
    dataKeys: core.dataKeys,
    tokenRequestors: core.tokenRequestors,
    audit: createAuditQuery(core.store.db),
  });
  registerPismoRoutes(http, { tokens: core.issuerTokens, verifier: core.accountTokenVerifier, limits, failedAuth });
  // Fault injection and wallet events are for testing: off in production unless explicitly enabled.
  if (config.sandbox) registerSandboxRoutes(http, { adminToken: config.adminToken, sandbox: core.gateway, issuer: core.issuerTokens, limits });
  registerNetworkCallbackRoutes(http, {
    callbacks: core.issuerTokens.callbacks,
    requestorCallbacks: { notify: (token) => core.schemeTokens.onNetworkUpdate(token) },
    secret: config.network.secret,
  });
  await http.ready();
  // Settles what a crash or a lost answer left pending, at start-up and then periodically.
  const reconciler =
    options.reconciler === false
      ? { runNow: () => core.issuerTokens.reconcile(), stop: async () => undefined }
      : startReconciler({ reconcile: () => core.issuerTokens.reconcile(), intervalMs: config.reconcileIntervalMs, logger: core.logger });
  // Delivers every committed event to the webhook endpoints subscribed to it, at least once, in order per token.
  const relay = startRelay({
    dal: core.delivery.dal,
    transact: core.store.transact,
    sealed: core.delivery.sealed,
    clock: core.clock,
    config: config.webhooks,
    send: createSender(core.delivery.policy, config.webhooks.timeoutMs),
    logger: core.logger,
    metrics,
    natsRequired: config.nats !== undefined,
  });
  const nats = config.nats
    ? startNatsPublisher({
        config: config.nats,
        dal: createNatsDal(core.store.db, core.store.engine),
        clock: core.clock,
        logger: core.logger,
        pollMs: config.webhooks.pollMs,
      })
    : undefined;
  // Destroys the sealed card of long-expired tokens, at start-up and then periodically.
  const expiry = startTokenExpiry({ expiry: core.tokenExpiry, intervalMs: config.expiry.intervalMs, logger: core.logger });
  // Due chains are looked for often enough that a chain waits for its anchor little longer than the interval.
  const anchorLoop = startAnchorLoop(core.auditAnchors, Math.min(config.audit.anchorIntervalMs, ANCHOR_CHECK_MAX_MS), core.logger, failedAuth);
  const schemeReconciler =
    options.reconciler === false
      ? { runNow: () => core.schemeTokens.reconcile(), stop: async () => undefined }
      : startReconciler({ reconcile: () => core.schemeTokens.reconcile(), intervalMs: config.reconcileIntervalMs, logger: core.logger });
  return {
    core,
    http,
    reconciler,
    relay,
    ...(nats ? { nats } : {}),
    expiry,
    anchorLoop,
    failedAuth,
    schemeReconciler,
    async close() {
      await expiry.stop();
      await relay.stop();
      await nats?.stop();
      await anchorLoop.stop();
      await failedAuth.flush();
      await schemeReconciler.stop();
      await reconciler.stop();
      await http.close();
      await core.close();
    },
  };
}
