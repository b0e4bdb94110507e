#!/usr/bin/env node
/**
 * `tessera`: serve the API, create a vault (`init`), migrate, and administer a deployment: through the running
 * server's admin API (TESSERA_URL + TESSERA_ADMIN_TOKEN), or a database named explicitly (`--database`,
 * TESSERA_DATABASE_URL, or a data directory made by `init`) — never one created by accident (target.ts).
 * stdout carries only results (lines and tables, or `--json`); logs and notices go to stderr.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, parseDatabaseUrl, type Config } from '../config.js';
import { buildApp } from '../main.js';
import { openStore } from '../store/database.js';
import { createLogger } from '../log.js';
import { derivePanReferenceKey, openDatabaseSimulatorStore, startSimulatorServer } from '../network/index.js';
import { describeStartup, generatedSecretsNotice, packageVersion } from '../startup.js';
import { addReconcileCommand } from './reconcile-command.js';
import { addWebhookCommands } from './webhook-commands.js';
import { addExpireCommand } from './expire-command.js';
import { addRewrapCommand } from './rewrap-command.js';
import { addAuditCommands } from './audit-commands.js';
import { addTokenRequestorCommands } from './token-requestor-commands.js';

import { AdminApiError, AdminUnreachable } from './admin-client.js';
import { addAdminCommands, leaf, type CommonOptions } from './admin-commands.js';
import { addCompletionCommand } from './completion-command.js';
import { addDemoCommand } from './demo-command.js';
import { addInitCommand } from './init-command.js';
import { emit, guardStdout } from './output.js';
import { vaultConfig } from './target.js';

function announceGeneratedSecrets(config: Config): void {
  // The admin token is shown only on a terminal (startup.ts); the logger never sees it.
  process.stderr.write(generatedSecretsNotice(config, Boolean(process.stderr.isTTY)));
}

guardStdout();

const program = new Command()
  .name('tessera')
  .description('Self-hostable card tokenization: Verifone-compatible merchant vault, Pismo-compatible issuer tokens')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

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

leaf(program, 'migrate', 'apply database migrations to an explicitly named database and exit (generates no secret)').action(async (opts: CommonOptions) => {
  const database = opts.database ?? process.env.TESSERA_DATABASE_URL;
  const config =
    database !== undefined ? { database: parseDatabaseUrl(database, opts.database !== undefined ? '--database' : 'TESSERA_DATABASE_URL') } : vaultConfig({});
  const store = await openStore(config.database);
  await store.close();
  await emit({ migrated: true, engine: config.database.engine }, opts);
});

addInitCommand(program);
addAdminCommands(program);
addDemoCommand(program);
addCompletionCommand(program);

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
addWebhookCommands(program);
addExpireCommand(program);
addRewrapCommand(program);
addAuditCommands(program);
addTokenRequestorCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const message of error.errors) process.stderr.write(`tessera: configuration error: ${message}\n`);
  } else if (error instanceof AdminApiError && error.body?.error_code === 'invalid_request') {
    // The admin API's field paths (`body.org_id`…), whichever target answered.
    process.stderr.write(`tessera: invalid input: ${JSON.stringify(error.body.details ?? {})} (${error.message})\n`);
  } else if (error instanceof AdminApiError || error instanceof AdminUnreachable) {
    process.stderr.write(`tessera: ${error.message}\n`);
  } else {
    process.stderr.write(`tessera: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
