/**
 * The composition root: config → store → vault → services → HTTP. Nothing else wires modules together.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { openStore, type Store } from './store/database.js';
import { createMasterKeyring } from './vault/keyring.js';
import { createDataKeys, type DataKeys } from './keys/data-keys.js';
import { createDataKeysDal } from './keys/dal.js';
import { createSealedData } from './keys/sealed-data.js';
import { loadBinTable } from './cards/index.js';
import { systemClock, type Clock } from './clock.js';
import { createHttpServer } from './http/server.js';
import { createCaptureKeyService, type CaptureKeyService } from './merchant/capture-key-service.js';
import { createMerchantTokenService, type MerchantTokenService } from './merchant/token-service.js';
import { createMerchantAuthenticator, type MerchantAuthenticator } from './merchant/authenticator.js';
import { registerMerchantRoutes } from './merchant/routes.js';
import { createMerchantAdmin, type MerchantAdmin } from './admin/merchant-admin.js';
import { createAdminDal } from './admin/dal.js';
import { registerAdminRoutes } from './api/admin/routes.js';
import { createIssuerAdmin, type IssuerAdmin } from './issuer/issuer-admin.js';
import { createIssuerTokenService, type IssuerTokenService } from './issuer/token-service.js';
import { createAccountTokenIssuer, createAccountTokenVerifier, type AccountTokenIssuer, type AccountTokenVerifier } from './issuer/account-token.js';
import { ed25519JwkFromSeed } from './issuer/signing-key.js';
import { cacheVerifiedTokens } from './issuer/verified-token-cache.js';
import { ISSUER_OWNER } from './issuer/owner.js';
import { registerIssuerRoutes } from './issuer/routes.js';
import { registerIssuerAdminRoutes } from './issuer/admin-routes.js';
import {
  createDatabaseSimulatorStore,
  createHttpGateway,
  createInProcessGateway,
  createSimulator,
  derivePanReferenceKey,
  registerNetworkCallbackRoutes,
  type NetworkGateway,
} from './network/index.js';

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
  authenticator: MerchantAuthenticator;
  issuerAdmin: IssuerAdmin;
  issuerTokens: IssuerTokenService;
  gateway: NetworkGateway;
  accountTokenVerifier(): Promise<AccountTokenVerifier>;
  close(): Promise<void>;
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
  const get = () => (built ??= build().catch((error: unknown) => {
    built = undefined;
    throw error;
  }));
  return { issuer: async () => (await get()).issuer, verifier: async () => (await get()).verifier };
}

export async function buildCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const binTable = loadBinTable(config.binTablePath);
  const store = await openStore(config.database, {
    onBackgroundError: (error) => logger.warn({ err: error }, 'database connection lost; the pool replaces it'),
  });
  const dataKeys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(config.masterKey, config.previousMasterKeys), clock });
  const rewrapped = await dataKeys.rewrapAll();
  if (rewrapped > 0) logger.info({ rewrapped }, 'data keys re-wrapped under the current master key');
  const sealed = createSealedData(dataKeys);
  const captureKeys = createCaptureKeyService(store.db, store.transact, sealed);
  const signing = accountTokens(config, dataKeys, clock);

  // The issuer service and the network call each other (operations one way, decisions and notifications the
  // other), so the gateway is handed over once both exist.
  let gateway: NetworkGateway | undefined;
  const issuerTokens = createIssuerTokenService({
    db: store.db,
    transact: store.transact,
    sealed,
    clock,
    gateway: () => {
      if (!gateway) throw new Error('network gateway used before start-up finished');
      return gateway;
    },
  });
  gateway = config.network.url
    ? createHttpGateway({ baseUrl: config.network.url, secret: config.network.secret, timeoutMs: config.network.timeoutMs })
    : createInProcessGateway(
        createSimulator({
          callbacks: issuerTokens.callbacks,
          // The network's state lives in the same database, so provisioned tokens survive a restart.
          store: createDatabaseSimulatorStore(store.db, store.transact),
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
    tokens: createMerchantTokenService({ db: store.db, transact: store.transact, sealed, captureKeys, binTable, clock }),
    authenticator: createMerchantAuthenticator(store.db, clock),
    issuerAdmin: createIssuerAdmin({ db: store.db, transact: store.transact, sealed, clock, tokenIssuer: signing.issuer }),
    issuerTokens,
    gateway: network,
    accountTokenVerifier: signing.verifier,
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
  close(): Promise<void>;
}

export async function buildApp(config: Config, options: CoreOptions = {}): Promise<App> {
  const core = await buildCore(config, options);
  const http = createHttpServer(core.logger);
  registerMerchantRoutes(http, core);
  registerAdminRoutes(http, {
    adminToken: config.adminToken,
    merchants: core.merchants,
    captureKeys: core.captureKeys,
    authenticator: core.authenticator,
    issuerAccounts: core.issuerAdmin,
  });
  registerIssuerRoutes(http, { tokens: core.issuerTokens, verifier: core.accountTokenVerifier });
  registerIssuerAdminRoutes(http, { adminToken: config.adminToken, issuerTokens: core.issuerTokens });
  registerNetworkCallbackRoutes(http, { callbacks: core.issuerTokens.callbacks, secret: config.network.secret });
  await http.ready();
  return {
    core,
    http,
    async close() {
      await http.close();
      await core.close();
    },
  };
}
