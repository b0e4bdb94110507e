#!/usr/bin/env node
/**
 * `tessera`: serve the API, run migrations, and do the admin tasks without going through HTTP.
 */
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { ConfigError, loadConfig, parseDatabaseUrl, type Config } from '../config.js';
import { buildApp, buildCore, type Core } from '../main.js';
import { openStore } from '../store/database.js';
import { DomainError, InvalidInput } from '../errors.js';
import { adminDetails } from '../api/admin/envelope.js';
import { merchantOwner } from '../owners.js';
import { createLogger } from '../log.js';
import { derivePanReferenceKey, openDatabaseSimulatorStore, startSimulatorServer } from '../network/index.js';
import { describeStartup, generatedSecretsNotice, packageVersion } from '../startup.js';
import { addReconcileCommand } from './reconcile-command.js';
import { addTokenRequestorCommands } from './token-requestor-commands.js';

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** A command-line input refused before any domain call; printed like a domain's invalid input. */
class CliInputError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super('invalid input');
  }
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

/**
 * Runs an admin task against the configured store, then closes it. Its logs go to stderr: stdout carries only
 * the JSON result, so it can be piped into other tools.
 */
async function withCore<T>(task: (core: Core) => Promise<T>): Promise<void> {
  const config = loadConfig();
  announceGeneratedSecrets(config);
  const core = await buildCore(config, { logger: createLogger(config.logLevel, pino.destination({ fd: 2, sync: true })) });
  try {
    print(await task(core));
  } finally {
    await core.close();
  }
}

function announceGeneratedSecrets(config: Config): void {
  // The admin token is shown only on a terminal (startup.ts); the logger never sees it.
  process.stderr.write(generatedSecretsNotice(config, Boolean(process.stderr.isTTY)));
}

const program = new Command()
  .name('tessera')
  .description('Self-hostable card tokenization: Verifone-compatible merchant vault, Pismo-compatible issuer tokens');

program
  .command('serve')
  .description('start the HTTP API (PORT, default 8080)')
  .action(async () => {
    const config = loadConfig();
    announceGeneratedSecrets(config);
    const app = await buildApp(config);
    const shutdown = async (signal: string) => {
      app.core.logger.info({ signal }, 'shutting down');
      await app.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    const address = await app.http.listen({ port: config.port, host: config.host });
    // One line that says what runs: version, engine, network, sandbox, address (and warnings for production).
    const startup = describeStartup(config, packageVersion(), address);
    app.core.logger.info(startup, 'tessera started');
    for (const warning of startup.warnings) app.core.logger.warn(warning);
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    announceGeneratedSecrets(config);
    const store = await openStore(config.database);
    await store.close();
    print({ migrated: true, engine: config.database.engine });
  });

const merchant = program.command('merchant').description('merchants and their credentials');
merchant
  .command('create')
  .requiredOption('--name <name>', 'merchant name')
  .description('create a merchant and its first API key (the secret is shown once)')
  .action((opts: { name: string }) => withCore((core) => core.merchants.createMerchant(opts.name)));
merchant
  .command('api-key')
  .requiredOption('--merchant <id>', 'merchant id')
  .description('issue another API key')
  .action((opts: { merchant: string }) => withCore((core) => core.merchants.createApiKey(opts.merchant)));

program
  .command('token-scope')
  .description('create a token scope')
  .requiredOption('--merchant <id>', 'merchant id')
  .requiredOption('--name <name>', 'scope name')
  .option('--network-tokens', 'enable network (scheme) tokens', false)
  .option('--par', 'enable payment account references', false)
  .option('--ttl-days <days>', 'default token lifetime in days', positiveInt)
  .action((opts: { merchant: string; name: string; networkTokens: boolean; par: boolean; ttlDays?: number }) =>
    withCore((core) =>
      core.merchants.createTokenScope(opts.merchant, {
        name: opts.name,
        network_tokens: opts.networkTokens,
        par: opts.par,
        ...(opts.ttlDays !== undefined ? { token_ttl_days: opts.ttlDays } : {}),
      }),
    ),
  );

const captureKey = program.command('capture-key').description('OpenPGP capture keys for client-side encryption');
captureKey
  .command('create')
  .requiredOption('--merchant <id>', 'merchant id')
  .option('--algorithm <algorithm>', 'curve25519 or rsa3072', 'curve25519')
  .action((opts: { merchant: string; algorithm: string }) =>
    withCore(async (core) => {
      if (opts.algorithm !== 'curve25519' && opts.algorithm !== 'rsa3072') throw new CliInputError({ algorithm: 'must be curve25519 or rsa3072' });
      await core.merchants.assertMerchant(opts.merchant);
      return core.captureKeys.create(opts.merchant, opts.algorithm);
    }),
  );
captureKey
  .command('list')
  .requiredOption('--merchant <id>', 'merchant id')
  .action((opts: { merchant: string }) =>
    withCore(async (core) => {
      await core.merchants.assertMerchant(opts.merchant);
      return { public_keys: await core.captureKeys.list(opts.merchant) };
    }),
  );

program
  .command('rotate-data-key')
  .description("add a new version of a merchant's data key; new writes use it, old ciphertexts stay readable")
  .requiredOption('--merchant <id>', 'merchant id')
  .action((opts: { merchant: string }) =>
    withCore(async (core) => {
      await core.merchants.assertMerchant(opts.merchant);
      const { version } = await core.dataKeys.rotate(merchantOwner(opts.merchant), 'data');
      return { merchant_id: opts.merchant, data_key_version: version };
    }),
  );

const account = program.command('account').description('issuer accounts');
account
  .command('create')
  .option('--org-id <id>', 'tenant id (TN-<uuid>); generated when omitted')
  .option('--program-id <id>', 'program id; generated when omitted')
  .action((opts: { orgId?: string; programId?: string }) =>
    withCore((core) =>
      core.issuerAdmin.createAccount({ ...(opts.orgId ? { org_id: opts.orgId } : {}), ...(opts.programId ? { program_id: opts.programId } : {}) }),
    ),
  );

program
  .command('card')
  .description('create a card of an issuer account (the PAN is read from TESSERA_CARD_PAN so it stays out of shell history)')
  .requiredOption('--account <id>', 'account id', positiveInt)
  .requiredOption('--expiry-month <m>', 'expiry month', positiveInt)
  .requiredOption('--expiry-year <y>', 'expiry year', positiveInt)
  .requiredOption('--cardholder-name <name>', 'name on the card')
  .action((opts: { account: number; expiryMonth: number; expiryYear: number; cardholderName: string }) =>
    withCore((core) => {
      const pan = process.env.TESSERA_CARD_PAN;
      if (!pan) throw new CliInputError({ TESSERA_CARD_PAN: 'set the PAN in this environment variable' });
      return core.issuerAdmin.createCard(opts.account, {
        pan,
        expiry_month: opts.expiryMonth,
        expiry_year: opts.expiryYear,
        cardholder_name: opts.cardholderName,
      });
    }),
  );

program
  .command('access-token')
  .description('issue an account token (JWT) for the issuer API')
  .requiredOption('--account <id>', 'account id', positiveInt)
  .action((opts: { account: number }) => withCore((core) => core.issuerAdmin.issueAccessToken(opts.account)));

program
  .command('network-sim')
  .description('run the VTS / MDES network simulator as its own HTTP server (point TESSERA_NETWORK_URL at it)')
  .requiredOption('--port <port>', 'port to listen on', (v) => (/^\d+$/.test(v) ? Number(v) : Number.NaN))
  .option('--host <host>', 'interface to listen on', '127.0.0.1')
  .option('--issuer-url <url>', "Tessera's base URL, for decisions and notifications", 'http://127.0.0.1:8080')
  .option('--database <url>', "keep the network's tokens in this database (sqlite:<path> or postgres://…) so they survive a restart; default: in memory")
  .action(async (opts: { port: number; host: string; issuerUrl: string; database?: string }) => {
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new InvalidArgumentError('--port must be 0-65535');
    const secret = process.env.TESSERA_NETWORK_SECRET;
    if (!secret || secret.length < 16) throw new ConfigError('TESSERA_NETWORK_SECRET (at least 16 characters, the same as the service) is required');
    const logger = createLogger(process.env.TESSERA_LOG_LEVEL || 'info');
    // The simulator's own tables only (the store applies its migrations): none of Tessera's.
    const store = opts.database !== undefined ? await openStore(parseDatabaseUrl(opts.database, '--database'), { migrate: false }) : undefined;
    const server = await startSimulatorServer({
      port: opts.port,
      host: opts.host,
      issuerCallbackUrl: opts.issuerUrl,
      secret,
      logger,
      ...(store ? { store: await openDatabaseSimulatorStore(store), panReferenceKey: derivePanReferenceKey(secret) } : {}),
    });
    logger.info({ url: server.url, persistent: store !== undefined }, 'network simulator listening');
    const stop = async () => {
      await server.close();
      await store?.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

addReconcileCommand(program);
addTokenRequestorCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const message of error.errors) process.stderr.write(`tessera: configuration error: ${message}\n`);
  } else if (error instanceof CliInputError) {
    process.stderr.write(`tessera: invalid input: ${JSON.stringify(error.fields)}\n`);
  } else if (error instanceof InvalidInput) {
    // The admin commands answer as the admin API does: the same field paths (`body.org_id`…).
    process.stderr.write(`tessera: invalid input: ${JSON.stringify(adminDetails(error.issues))}\n`);
  } else if (error instanceof DomainError) {
    process.stderr.write(`tessera: ${error.message}\n`);
  } else {
    process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
