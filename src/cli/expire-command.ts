/**
 * `tessera expire`: destroys, now, the sealed card of every merchant token expired for longer than
 * TESSERA_EXPIRED_TOKEN_RETENTION_DAYS (each destruction audited and emitted as `merchant.token.expired`). The
 * server does the same at start-up and every TESSERA_EXPIRY_INTERVAL_MS; this runs it on demand, beside a
 * running server or while it is stopped (like `tessera reconcile`, it works on the database directly).
 * Prints the report as JSON on stdout.
 */
import type { Command } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { buildCore } from '../main.js';

export function addExpireCommand(program: Command): void {
  program
    .command('expire')
    .description('destroy the sealed card of merchant tokens expired for longer than TESSERA_EXPIRED_TOKEN_RETENTION_DAYS')
    .action(async () => {
      const config = loadConfig();
      // Logs go to stderr: stdout carries only the JSON report.
      const core = await buildCore(config, { logger: createLogger(config.logLevel, pino.destination({ fd: 2, sync: true })) });
      try {
        const report = await core.tokenExpiry.run();
        process.stdout.write(`${JSON.stringify({ ...report, retentionDays: config.expiry.retentionDays }, null, 2)}\n`);
      } finally {
        await core.close();
      }
    });
}
