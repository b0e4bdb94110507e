/**
 * `tessera audit`: the audit trail.
 *
 * - `verify` opens the database itself (`--database`, else TESSERA_DATABASE_URL; the master key from the
 *   environment, as the server has it): checking anchors needs the vault's key, and a check that went through the
 *   server would trust the server. It reads only, while the server runs or not. Prints the report as JSON; exit
 *   code 0 when every chain is intact, 1 when something was edited, deleted or inserted, 2 when it cannot check.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openAuditVerification } from '../main.js';

const EXIT_TAMPERED = 1;
const EXIT_CANNOT_VERIFY = 2;

export function addAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail: verify its chains, list and export its records');

  audit
    .command('verify')
    .description('walk every audit chain and its signed anchors; name the first record of each that was edited, deleted or inserted')
    .option('--database <url>', 'the database to check (sqlite:<path> or postgres://…); default TESSERA_DATABASE_URL')
    .action(async (opts: { database?: string }) => {
      const config = loadConfig(opts.database ? { ...process.env, TESSERA_DATABASE_URL: opts.database } : process.env);
      let verification: Awaited<ReturnType<typeof openAuditVerification>> | undefined;
      try {
        verification = await openAuditVerification(config);
        const report = await verification.verify();
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        process.exitCode = report.intact ? 0 : EXIT_TAMPERED;
      } catch (error) {
        // A wrong master key, or a database that cannot be read: not a verdict on the trail.
        process.stderr.write(`tessera: cannot verify the audit trail: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = EXIT_CANNOT_VERIFY;
      } finally {
        await verification?.close();
      }
    });
}
