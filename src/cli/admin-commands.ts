/**
 * The admin commands (merchants, API keys, token scopes, capture keys, data keys, accounts, cards, account
 * tokens): each one call (or a few) of the admin API, on the target cli/target.ts picks: the running server
 * (TESSERA_URL) or an explicitly named database. Results print as lines and tables, or as JSON with `--json`.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { AdminClient } from './admin-client.js';
import { emit } from './output.js';
import { openTarget } from './target.js';

export interface CommonOptions {
  json: boolean;
  database?: string;
}

interface PageOptions extends CommonOptions {
  limit?: number;
  cursor?: string;
  all: boolean;
}

interface ListPage {
  items: unknown[];
  next_cursor: string | null;
}

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

/** A command that acts on a deployment: `--json` and `--database` on every one of them. */
export function leaf(parent: Command, name: string, description: string, isDefault = false): Command {
  return parent
    .command(name, { isDefault })
    .description(description)
    .option('--json', 'print machine-readable JSON on stdout (default: lines and tables)', false)
    .option('--database <url>', 'act on this database directly (sqlite:<path> or postgres://…) instead of the server at TESSERA_URL');
}

/** Runs `task` on the command's target and prints its result (before closing the target, secrets first). */
export async function runOnTarget(options: CommonOptions, task: (client: AdminClient) => Promise<unknown>, message?: string): Promise<void> {
  const target = await openTarget(options.database !== undefined ? { database: options.database } : {});
  try {
    await emit(await task(target.client), options, message);
  } finally {
    await target.close();
  }
}

function listCommand(parent: Command, description: string): Command {
  return leaf(parent, 'list', description)
    .option('--limit <n>', 'items per page (1 to 100; default 20)', positiveInt)
    .option('--cursor <cursor>', 'the page after this cursor (printed after a page)')
    .option('--all', 'every page', false);
}

/** One page of a list, or every page with `--all`. */
async function listPages(client: AdminClient, path: string, options: PageOptions): Promise<ListPage> {
  const items: unknown[] = [];
  let cursor = options.cursor;
  for (;;) {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(Math.min(options.limit, 100)));
    if (cursor !== undefined) query.set('cursor', cursor);
    const suffix = query.size > 0 ? `?${query}` : '';
    const page = await client.request<ListPage>('GET', `${path}${suffix}`);
    if (!options.all) return page;
    items.push(...page.items);
    if (page.next_cursor === null) return { items, next_cursor: null };
    cursor = page.next_cursor;
  }
}

const seg = encodeURIComponent;

function addMerchantCommands(program: Command): void {
  const merchant = program.command('merchant').description('merchants and their credentials');
  leaf(merchant, 'create', 'create a merchant and its first API key (the secret is shown once)')
    .requiredOption('--name <name>', 'merchant name')
    .action((opts: CommonOptions & { name: string }) => runOnTarget(opts, (c) => c.request('POST', '/admin/v1/merchants', { name: opts.name })));
  listCommand(merchant, 'list merchants').action((opts: PageOptions) => runOnTarget(opts, (c) => listPages(c, '/admin/v1/merchants', opts)));
  leaf(merchant, 'get', 'show a merchant')
    .requiredOption('--merchant <id>', 'merchant id')
    .action((opts: CommonOptions & { merchant: string }) => runOnTarget(opts, (c) => c.request('GET', `/admin/v1/merchants/${seg(opts.merchant)}`)));
  leaf(merchant, 'api-key', 'issue another API key (same as `api-key create`)')
    .requiredOption('--merchant <id>', 'merchant id')
    .action((opts: CommonOptions & { merchant: string }) => runOnTarget(opts, (c) => c.request('POST', `/admin/v1/merchants/${seg(opts.merchant)}/api-keys`)));

  const apiKey = program.command('api-key').description("a merchant's API keys");
  leaf(apiKey, 'create', 'issue an API key (the secret is shown once)')
    .requiredOption('--merchant <id>', 'merchant id')
    .action((opts: CommonOptions & { merchant: string }) => runOnTarget(opts, (c) => c.request('POST', `/admin/v1/merchants/${seg(opts.merchant)}/api-keys`)));
  listCommand(apiKey, "list a merchant's API keys (ids and dates; never secrets)")
    .requiredOption('--merchant <id>', 'merchant id')
    .action((opts: PageOptions & { merchant: string }) => runOnTarget(opts, (c) => listPages(c, `/admin/v1/merchants/${seg(opts.merchant)}/api-keys`, opts)));
  leaf(apiKey, 'revoke', 'revoke an API key: it stops working at once')
    .requiredOption('--merchant <id>', 'merchant id')
    .requiredOption('--key <id>', 'API key id (ak_…)')
    .action((opts: CommonOptions & { merchant: string; key: string }) =>
      runOnTarget(opts, (c) => c.request('DELETE', `/admin/v1/merchants/${seg(opts.merchant)}/api-keys/${seg(opts.key)}`), `revoked ${opts.key}`),
    );

  const scope = program.command('token-scope').description("a merchant's token scopes");
  // The default: `tessera token-scope --merchant … --name …` (the command's original form) runs `create`.
  leaf(scope, 'create', 'create a token scope (also `tessera token-scope --merchant … --name …`)', true)
    .requiredOption('--merchant <id>', 'merchant id')
    .requiredOption('--name <name>', 'scope name')
    .option('--network-tokens', 'enable network (scheme) tokens', false)
    .option('--par', 'enable payment account references', false)
    .option('--ttl-days <days>', 'default token lifetime in days', positiveInt)
    .action((opts: CommonOptions & { merchant: string; name: string; networkTokens: boolean; par: boolean; ttlDays?: number }) =>
      runOnTarget(opts, (c) =>
        c.request('POST', `/admin/v1/merchants/${seg(opts.merchant)}/token-scopes`, {
          name: opts.name,
          network_tokens: opts.networkTokens,
          par: opts.par,
          ...(opts.ttlDays !== undefined ? { token_ttl_days: opts.ttlDays } : {}),
        }),
      ),
    );
  listCommand(scope, "list a merchant's token scopes")
    .requiredOption('--merchant <id>', 'merchant id')
    .action((opts: PageOptions & { merchant: string }) =>
      runOnTarget(opts, (c) => listPages(c, `/admin/v1/merchants/${seg(opts.merchant)}/token-scopes`, opts)),
    );
}

function addKeyCommands(program: Command): void {
  const captureKey = program.command('capture-key').description('OpenPGP capture keys for client-side encryption');
  const create = (c: AdminClient, merchant: string, algorithm: string) =>
    c.request<{ public_key_alias: string }>('POST', `/admin/v1/merchants/${seg(merchant)}/capture-keys`, { algorithm });
  leaf(captureKey, 'create', 'create a capture key (only its public half is shown)')
    .requiredOption('--merchant <id>', 'merchant id')
    .option('--algorithm <algorithm>', 'curve25519 or rsa3072', 'curve25519')
    .action((opts: CommonOptions & { merchant: string; algorithm: string }) => runOnTarget(opts, (c) => create(c, opts.merchant, opts.algorithm)));
  leaf(captureKey, 'list', "list a merchant's capture public keys")
    .requiredOption('--merchant <id>', 'merchant id')
    .action((opts: CommonOptions & { merchant: string }) =>
      runOnTarget(opts, (c) => c.request('GET', `/admin/v1/merchants/${seg(opts.merchant)}/capture-keys`)),
    );
  const keyPath = (merchant: string, alias: string) => `/admin/v1/merchants/${seg(merchant)}/capture-keys/${seg(alias)}`;
  leaf(captureKey, 'get', 'show one capture public key')
    .requiredOption('--merchant <id>', 'merchant id')
    .requiredOption('--alias <alias>', 'public key alias (pk_…)')
    .action((opts: CommonOptions & { merchant: string; alias: string }) => runOnTarget(opts, (c) => c.request('GET', keyPath(opts.merchant, opts.alias))));
  leaf(captureKey, 'revoke', 'destroy a capture key: blobs encrypted to it no longer open (tokens made with it are unaffected)')
    .requiredOption('--merchant <id>', 'merchant id')
    .requiredOption('--alias <alias>', 'public key alias (pk_…)')
    .action((opts: CommonOptions & { merchant: string; alias: string }) =>
      runOnTarget(opts, (c) => c.request('DELETE', keyPath(opts.merchant, opts.alias)), `revoked ${opts.alias}`),
    );
  leaf(captureKey, 'rotate', 'make a new capture key of the same algorithm; with --revoke-old, destroy the old one afterwards')
    .requiredOption('--merchant <id>', 'merchant id')
    .requiredOption('--alias <alias>', 'the public key alias to replace')
    .option('--revoke-old', 'revoke the old key once the new one exists (clients holding its public key then fail)', false)
    .action((opts: CommonOptions & { merchant: string; alias: string; revokeOld: boolean }) =>
      runOnTarget(opts, async (c) => {
        const old = await c.request<{ algorithm?: string }>('GET', keyPath(opts.merchant, opts.alias));
        const fresh = await create(c, opts.merchant, old.algorithm ?? 'curve25519');
        if (opts.revokeOld) await c.request('DELETE', keyPath(opts.merchant, opts.alias));
        return { ...fresh, replaces: opts.alias, old_revoked: opts.revokeOld };
      }),
    );

  const rotateDataKey = (opts: CommonOptions & { merchant: string }) =>
    runOnTarget(opts, (c) => c.request('POST', `/admin/v1/merchants/${seg(opts.merchant)}/data-keys`));
  const dataKey = program.command('data-key').description("a merchant's data keys (envelope encryption of its cards)");
  leaf(dataKey, 'rotate', 'add a new data key version; new writes use it, old ciphertexts stay readable')
    .requiredOption('--merchant <id>', 'merchant id')
    .action(rotateDataKey);
  leaf(program, 'rotate-data-key', "add a new version of a merchant's data key (same as `data-key rotate`)")
    .requiredOption('--merchant <id>', 'merchant id')
    .action(rotateDataKey);
}

function addIssuerCommands(program: Command): void {
  const account = program.command('account').description('issuer accounts');
  leaf(account, 'create', 'create an issuer account')
    .option('--org-id <id>', 'tenant id (TN-<uuid>); generated when omitted')
    .option('--program-id <id>', 'program id; generated when omitted')
    .action((opts: CommonOptions & { orgId?: string; programId?: string }) =>
      runOnTarget(opts, (c) =>
        c.request('POST', '/admin/v1/accounts', { ...(opts.orgId ? { org_id: opts.orgId } : {}), ...(opts.programId ? { program_id: opts.programId } : {}) }),
      ),
    );
  listCommand(account, 'list issuer accounts').action((opts: PageOptions) => runOnTarget(opts, (c) => listPages(c, '/admin/v1/accounts', opts)));
  leaf(account, 'get', 'show an issuer account')
    .requiredOption('--account <id>', 'account id', positiveInt)
    .action((opts: CommonOptions & { account: number }) => runOnTarget(opts, (c) => c.request('GET', `/admin/v1/accounts/${opts.account}`)));

  const card = program.command('card').description("an issuer account's cards (shown masked: BIN and last four digits)");
  // The default: `tessera card --account … --expiry-month …` (the command's original form) runs `create`.
  leaf(card, 'create', 'create a card (the PAN is read from TESSERA_CARD_PAN so it stays out of shell history)', true)
    .requiredOption('--account <id>', 'account id', positiveInt)
    .requiredOption('--expiry-month <m>', 'expiry month', positiveInt)
    .requiredOption('--expiry-year <y>', 'expiry year', positiveInt)
    .requiredOption('--cardholder-name <name>', 'name on the card')
    .action((opts: CommonOptions & { account: number; expiryMonth: number; expiryYear: number; cardholderName: string }) =>
      runOnTarget(opts, async (c) => {
        const pan = process.env.TESSERA_CARD_PAN;
        if (!pan) throw new InvalidArgumentError('set the PAN in the environment variable TESSERA_CARD_PAN');
        return c.request('POST', `/admin/v1/accounts/${opts.account}/cards`, {
          pan,
          expiry_month: opts.expiryMonth,
          expiry_year: opts.expiryYear,
          cardholder_name: opts.cardholderName,
        });
      }),
    );
  listCommand(card, "list an account's cards, masked")
    .requiredOption('--account <id>', 'account id', positiveInt)
    .action((opts: PageOptions & { account: number }) => runOnTarget(opts, (c) => listPages(c, `/admin/v1/accounts/${opts.account}/cards`, opts)));
  leaf(card, 'get', 'show a card, masked')
    .requiredOption('--account <id>', 'account id', positiveInt)
    .requiredOption('--card <id>', 'card id', positiveInt)
    .action((opts: CommonOptions & { account: number; card: number }) =>
      runOnTarget(opts, (c) => c.request('GET', `/admin/v1/accounts/${opts.account}/cards/${opts.card}`)),
    );

  leaf(program, 'access-token', 'issue an account token (JWT) for the issuer API')
    .requiredOption('--account <id>', 'account id', positiveInt)
    .action((opts: CommonOptions & { account: number }) => runOnTarget(opts, (c) => c.request('POST', `/admin/v1/accounts/${opts.account}/access-tokens`)));
}

export function addAdminCommands(program: Command): void {
  addMerchantCommands(program);
  addKeyCommands(program);
  addIssuerCommands(program);
}
