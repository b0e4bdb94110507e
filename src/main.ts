/**
 * The composition root: config → store → vault → services → HTTP. Nothing else wires modules together.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createFormattedLogger } from './log-format.js';
import { openStore, type Store } from './store/database.js';
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
  type SandboxNetwork,
} from './network/index.js';
import { registerNetworkCallbackRoutes } from './api/network-callbacks/routes.js';
import { registerSandboxRoutes } from './api/sandbox/routes.js';

export interface CoreOptions {
  logger?: Logger;
  clock?: Clock;
}

/** Everything but HTTP: what the server and the CLI's admin commands share. */
export interface Core {
  config: Config;
  store: Store;
  logger: Logger;
  clock: Clock;
  dataKeys: DataKeys;
  merchants: MerchantAdmin;
  captureKeys: CaptureKeyService;
  tokens: MerchantTokenService;
  authenticator: GuardedMerchantAuthenticator;
  issuerAdmin: IssuerAccounts;
  issuerTokens: IssuerTokenService;
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

export async function buildCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const logger = options.logger ?? createFormattedLogger(config.logLevel, config.logFormat);
  const clock = options.clock ?? systemClock;
  const binTable = loadBinTable(config.binTablePath);
  const store = await openStore(config.database, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'database connection lost; the pool replaces it'),
  });
  const dataKeysDal = createDataKeysDal(store.db);
  const dataKeys = createDataKeys({ dal: dataKeysDal, keyring: createMasterKeyring(config.masterKey, config.previousMasterKeys), clock });
  const rewrapped = await dataKeys.rewrapAll();
  if (rewrapped > 0) logger.info({ rewrapped }, 'data keys re-wrapped under the current master key');
  const chained = await chainLegacyAuditRecords(store.db, store.transact);
  if (chained > 0) logger.info({ chained }, 'audit records written before the audit chain appended to their chains');
  const sealed = createSealedData(dataKeys);
  const merchantDal = createMerchantDal(store.db);
  const captureKeys = createCaptureKeyService({ dal: merchantDal, transact: store.transact, sealed, clock });
  const signing = accountTokens(config, dataKeys, clock);

  // The issuer service and the network call each other (operations one way, decisions and notifications the
  // other), so the gateway is handed over once both exist.
  let gateway: SandboxNetwork | undefined;
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
  gateway = config.network.url
    ? createHttpGateway({ baseUrl: config.network.url, secret: config.network.secret, timeoutMs: config.network.timeoutMs })
    : createInProcessGateway(
        createSimulator({
          callbacks: issuerTokens.callbacks,
          // The network's state lives in the same database (its own tables), so provisioned tokens survive a restart.
          store: await openDatabaseSimulatorStore(store),
          clock,
          panReferenceKey: derivePanReferenceKey(config.masterKey),
          timeoutFaultHoldMs: config.network.timeoutMs * 2,
          logger,
        }),
        { timeoutMs: config.network.timeoutMs },
      );
  const network = gateway;

  return {
    config,
    store,
    logger,
    clock,
    dataKeys,
    merchants: createMerchantAdmin({ dal: createAdminDal(store.db), transact: store.transact, clock }),
    captureKeys,
    tokens: createMerchantTokenService({ dal: merchantDal, transact: store.transact, sealed, captureKeys, binTable, clock }),
    // Failed authentications cost the caller a fixed delay and are limited per address and key id (merchant-backoff.ts).
    authenticator: withFailureBackoff(createMerchantAuthenticator({ findApiKey: merchantDal.findApiKeyCredential, clock }), config.rateLimits, clock),
    issuerAdmin: createIssuerAccounts({ dal: issuerDal, transact: store.transact, sealed, clock, tokenIssuer: signing.issuer }),
    issuerTokens,
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
  anchorLoop: AnchorLoop;
  /** Failed authentications of every API, audited (its minutes that are over are flushed with the anchor loop). */
  failedAuth: FailedAuthAudit;
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

export async function buildApp(config: Config, options: CoreOptions = {}): Promise<App> {
  const core = await buildCore(config, options);
  const http = createHttpServer(core.logger, config.http);
  // Before the APIs, so that every route is counted by the metrics hook.
  await addOperationalRoutes(http, {
    metrics: createMetrics(),
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
    failedAuth,
    audit: createAuditQuery(core.store.db),
  });
  registerPismoRoutes(http, { tokens: core.issuerTokens, verifier: core.accountTokenVerifier, limits, failedAuth });
  // Fault injection and wallet events are for testing: off in production unless explicitly enabled.
  if (config.sandbox) registerSandboxRoutes(http, { adminToken: config.adminToken, sandbox: core.gateway, issuer: core.issuerTokens, limits });
  registerNetworkCallbackRoutes(http, { callbacks: core.issuerTokens.callbacks, secret: config.network.secret });
  await http.ready();
  // Settles what a crash or a lost answer left pending, at start-up and then periodically.
  const reconciler = startReconciler({ reconcile: () => core.issuerTokens.reconcile(), intervalMs: config.reconcileIntervalMs, logger: core.logger });
  // Due chains are looked for often enough that a chain waits for its anchor little longer than the interval.
  const anchorLoop = startAnchorLoop(core.auditAnchors, Math.min(config.audit.anchorIntervalMs, ANCHOR_CHECK_MAX_MS), core.logger, failedAuth);
  return {
    core,
    http,
    reconciler,
    anchorLoop,
    failedAuth,
    async close() {
      await anchorLoop.stop();
      await failedAuth.flush();
      await reconciler.stop();
      await http.close();
      await core.close();
    },
  };
}
