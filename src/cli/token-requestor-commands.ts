/**
 * `tessera token-requestor create|list`: a merchant's token requestor ids per card network (issue 10), through the
 * running server's admin API (admin-client.ts: TESSERA_URL + TESSERA_ADMIN_TOKEN). JSON on stdout only.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { adminClientFromEnv, type AdminClient } from './admin-client.js';

const NETWORKS = ['vts', 'mdes'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function merchantId(value: string): string {
  if (!UUID.test(value)) throw new InvalidArgumentError('must be a merchant id (UUID)');
  return value;
}

const path = (merchant: string) => `/admin/v1/merchants/${encodeURIComponent(merchant)}/token-requestors`;
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `client` is for tests; commands otherwise reach the server named by the environment. */
export function addTokenRequestorCommands(program: Command, client: () => AdminClient = () => adminClientFromEnv()): void {
  const group = program.command('token-requestor').description("a merchant's token requestor ids on the card networks (scheme tokens)");
  group
    .command('create')
    .description('register the merchant as a token requestor on a network (one per network)')
    .requiredOption('--merchant <id>', 'merchant id', merchantId)
    .addOption(new Option('--network <network>', 'card network').choices(NETWORKS).makeOptionMandatory())
    .action(async (opts: { merchant: string; network: (typeof NETWORKS)[number] }) => {
      print(await client().request('POST', path(opts.merchant), { network: opts.network }));
    });
  group
    .command('list')
    .description("list the merchant's token requestor ids")
    .requiredOption('--merchant <id>', 'merchant id', merchantId)
    .action(async (opts: { merchant: string }) => {
      print(await client().request('GET', path(opts.merchant)));
    });
}
