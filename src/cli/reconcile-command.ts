/**
 * `tessera reconcile`: settles, now, every network operation the journal holds pending (by asking the network for
 * each token's state) and compares every token the network may still change with the network's view, repairing
 * drift (each repair audited and emitted as `token_resync`). The server does the same at start-up and every
 * TESSERA_RECONCILE_INTERVAL_MS; this runs it on demand, beside a running server or while it is stopped.
 * Prints the report as JSON; exits 1 when operations are still pending afterwards (the network did not answer).
 */
import { type Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { createLogger } from '../log.js';
import { buildCore } from '../main.js';
import { vaultConfig } from './target.js';

function milliseconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of milliseconds');
  return Number(value);
}

export function addReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('settle pending network operations and repair tokens whose state differs from the network')
    .option('--grace-ms <ms>', 'leave entries younger than this (calls possibly still awaiting their answer); default: the network timeout', milliseconds)
    .option('--no-sweep', 'settle pending entries only, without comparing every token with the network')
    .option('--database <url>', 'the database (sqlite:<path> or postgres://…); default TESSERA_DATABASE_URL or the data directory made by `tessera init`')
    .action(async (opts: { graceMs?: number; sweep: boolean; database?: string }) => {
      // An existing vault only, named explicitly: never one created on the spot (target.ts).
      const config = vaultConfig(opts.database !== undefined ? { database: opts.database } : {});
      // Logs go to stderr: stdout carries only the JSON report.
      const core = await buildCore(config, { logger: createLogger(config.logLevel, pino.destination({ fd: 2, sync: true })) });
      try {
        const report = await core.issuerTokens.reconcile({ sweep: opts.sweep, ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}) });
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        if (report.pending > 0 && report.failed > 0) process.exitCode = 1;
      } finally {
        await core.close();
      }
    });
}
