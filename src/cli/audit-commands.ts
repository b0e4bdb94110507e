/**
 * `tessera audit`: the audit trail.
 *
 * - `list` and `export` ask the running server's admin API (TESSERA_URL, TESSERA_ADMIN_TOKEN): `list` prints one
 *   page (`next_cursor` leads to the next), `export` prints every matching record as JSON lines, page by page.
 * - `verify` opens the database itself (`--database`, else TESSERA_DATABASE_URL; the master key from the
 *   environment, as the server has it): checking anchors needs the vault's key, and a check that went through the
 *   server would trust the server. It reads only, while the server runs or not. Prints the report as JSON; exit
 *   code 0 when every chain is intact, 1 when something was edited, deleted or inserted, 2 when it cannot check.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { openAuditVerification } from '../main.js';
import { adminClientFromEnv } from './admin-client.js';

interface FilterOptions {
  owner?: string;
  objectId?: string;
  action?: string;
  from?: string;
  to?: string;
}

interface AuditPage {
  records: unknown[];
  next_cursor: string | null;
}

function withFilters(command: Command): Command {
  return command
    .option('--owner <owner>', 'a chain: merchant:<id>, account:<id> or system')
    .option('--object-id <id>', 'the object a record describes (token id, API key id…)')
    .option('--action <action>', 'e.g. merchant.token.created, auth.failed')
    .option('--from <time>', 'records at or after this ISO-8601 time')
    .option('--to <time>', 'records before this ISO-8601 time');
}

function queryOf(filters: FilterOptions, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  const pairs: Array<[string, string | undefined]> = [
    ['owner', filters.owner],
    ['object_id', filters.objectId],
    ['action', filters.action],
    ['from', filters.from],
    ['to', filters.to],
    ...Object.entries(extra),
  ];
  for (const [name, value] of pairs) if (value !== undefined) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

const EXPORT_PAGE = '500';

const EXIT_TAMPERED = 1;
const EXIT_CANNOT_VERIFY = 2;

export function addAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail: verify its chains, list and export its records');

  withFilters(audit.command('list').description('one page of audit records, oldest first (JSON)'))
    .option('--limit <n>', 'records in the page, 1 to 500 (default 100)')
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .action(async (opts: FilterOptions & { limit?: string; cursor?: string }) => {
      const page = await adminClientFromEnv().request<AuditPage>('GET', `/admin/v1/audit-records${queryOf(opts, { limit: opts.limit, cursor: opts.cursor })}`);
      process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    });

  withFilters(audit.command('export').description('every matching audit record as JSON lines, oldest first')).action(async (opts: FilterOptions) => {
    const client = adminClientFromEnv();
    let cursor: string | undefined;
    do {
      const page = await client.request<AuditPage>('GET', `/admin/v1/audit-records${queryOf(opts, { limit: EXPORT_PAGE, cursor })}`);
      for (const record of page.records) process.stdout.write(`${JSON.stringify(record)}\n`);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  });

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
