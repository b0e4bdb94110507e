/**
 * The composition root: config → store → vault → services → HTTP. Nothing else wires modules together.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { openStore, type Store } from './store/database.js';
import { createMasterKeyring } from './vault/keyring.js';
import { createDataKeys, type DataKeys } from './keys/data-keys.js';
import { createSealedData } from './keys/sealed-data.js';
import { loadBinTable } from './cards/index.js';
import { systemClock, type Clock } from './clock.js';
import { createHttpServer } from './http/server.js';
import { createCaptureKeyService, type CaptureKeyService } from './merchant/capture-key-service.js';
import { createMerchantTokenService, type MerchantTokenService } from './merchant/token-service.js';
import { createMerchantAuthenticator, type MerchantAuthenticator } from './merchant/authenticator.js';
import { registerMerchantRoutes } from './merchant/routes.js';
import { createMerchantAdmin, type MerchantAdmin } from './admin/merchant-admin.js';
import { registerAdminRoutes } from './admin/routes.js';

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
  close(): Promise<void>;
}

export async function buildCore(config: Config, options: CoreOptions = {}): Promise<Core> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const binTable = loadBinTable(config.binTablePath);
  const store = await openStore(config.database);
  const dataKeys = createDataKeys(store.db, createMasterKeyring(config.masterKey, config.previousMasterKeys));
  const rewrapped = await dataKeys.rewrapAll();
  if (rewrapped > 0) logger.info({ rewrapped }, 'data keys re-wrapped under the current master key');
  const sealed = createSealedData(dataKeys);
  const captureKeys = createCaptureKeyService(store.db, sealed);

  return {
    config,
    store,
    logger,
    clock,
    dataKeys,
    merchants: createMerchantAdmin(store.db),
    captureKeys,
    tokens: createMerchantTokenService({ db: store.db, sealed, captureKeys, binTable, clock }),
    authenticator: createMerchantAuthenticator(store.db, clock),
    close: () => store.close(),
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
  registerAdminRoutes(http, { adminToken: config.adminToken, ...core });
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
