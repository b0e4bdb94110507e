/**
 * `tessera webhook …`: the webhook endpoints of a running server, through its admin API (TESSERA_URL +
 * TESSERA_ADMIN_TOKEN). Each command prints the API's JSON answer on stdout.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { adminClientFromEnv } from './admin-client.js';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value ?? {}, null, 2)}\n`);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function ownerQuery(opts: { merchant?: string; account?: string }): string {
  if ((opts.merchant === undefined) === (opts.account === undefined)) throw new InvalidArgumentError('give exactly one of --merchant and --account');
  return opts.merchant !== undefined ? `merchant_id=${encodeURIComponent(opts.merchant)}` : `account_id=${encodeURIComponent(opts.account as string)}`;
}

const path = (id: string, rest = '') => `/admin/v1/webhook-endpoints/${encodeURIComponent(id)}${rest}`;

export function addWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('webhook endpoints of a running server (TESSERA_URL, TESSERA_ADMIN_TOKEN)');

  webhook
    .command('create')
    .description('create an endpoint for a merchant or an issuer account; prints its signing secret, shown once')
    .option('--merchant <id>', 'merchant id')
    .option('--account <id>', 'issuer account id')
    .requiredOption('--url <url>', 'where events are POSTed')
    .option('--event-type <type>', 'receive only this type (repeatable; none: every type)', collect)
    .option('--description <text>', 'what it is for')
    .action(async (opts: { merchant?: string; account?: string; url: string; eventType?: string[]; description?: string }) => {
      ownerQuery(opts);
      print(
        await adminClientFromEnv().request('POST', '/admin/v1/webhook-endpoints', {
          ...(opts.merchant !== undefined ? { merchant_id: opts.merchant } : { account_id: opts.account }),
          url: opts.url,
          ...(opts.eventType ? { event_types: opts.eventType } : {}),
          ...(opts.description !== undefined ? { description: opts.description } : {}),
        }),
      );
    });

  webhook
    .command('list')
    .description('list the endpoints of a merchant or an issuer account (one page)')
    .option('--merchant <id>', 'merchant id')
    .option('--account <id>', 'issuer account id')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--limit <n>', 'items per page', wholeNumber)
    .action(async (opts: { merchant?: string; account?: string; cursor?: string; limit?: number }) => {
      const query = [ownerQuery(opts), opts.cursor ? `cursor=${encodeURIComponent(opts.cursor)}` : '', opts.limit ? `limit=${opts.limit}` : '']
        .filter(Boolean)
        .join('&');
      print(await adminClientFromEnv().request('GET', `/admin/v1/webhook-endpoints?${query}`));
    });

  webhook
    .command('get <endpoint-id>')
    .description('show an endpoint')
    .action(async (id: string) => print(await adminClientFromEnv().request('GET', path(id))));

  webhook
    .command('update <endpoint-id>')
    .description('change an endpoint')
    .option('--url <url>', 'new URL')
    .option('--event-type <type>', 'receive only this type (repeatable)', collect)
    .option('--all-types', 'receive every type')
    .option('--description <text>', 'new description')
    .option('--enable', 'enable it')
    .option('--disable', 'disable it')
    .action(async (id: string, opts: { url?: string; eventType?: string[]; allTypes?: boolean; description?: string; enable?: boolean; disable?: boolean }) => {
      if (opts.enable && opts.disable) throw new InvalidArgumentError('--enable and --disable exclude each other');
      const body = {
        ...(opts.url !== undefined ? { url: opts.url } : {}),
        ...(opts.eventType ? { event_types: opts.eventType } : opts.allTypes ? { event_types: [] } : {}),
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.enable ? { enabled: true } : opts.disable ? { enabled: false } : {}),
      };
      print(await adminClientFromEnv().request('PATCH', path(id), body));
    });

  webhook
    .command('delete <endpoint-id>')
    .description('delete an endpoint and its deliveries')
    .action(async (id: string) => print(await adminClientFromEnv().request('DELETE', path(id))));

  webhook
    .command('rotate-secret <endpoint-id>')
    .description('a new signing secret (shown once); the old one keeps signing for the overlap')
    .option('--overlap-seconds <s>', 'how long the old secret keeps signing', wholeNumber)
    .action(async (id: string, opts: { overlapSeconds?: number }) =>
      print(
        await adminClientFromEnv().request(
          'POST',
          path(id, '/rotate-secret'),
          opts.overlapSeconds !== undefined ? { overlap_seconds: opts.overlapSeconds } : {},
        ),
      ),
    );

  webhook
    .command('test <endpoint-id>')
    .description('send a webhook.test event to the endpoint')
    .action(async (id: string) => print(await adminClientFromEnv().request('POST', path(id, '/test'))));

  webhook
    .command('deliveries <endpoint-id>')
    .description('list the deliveries of an endpoint, newest first (one page)')
    .option('--status <status>', 'pending, delivered, dead or discarded')
    .option('--cursor <cursor>', 'next_cursor of the previous page')
    .option('--limit <n>', 'items per page', wholeNumber)
    .action(async (id: string, opts: { status?: string; cursor?: string; limit?: number }) => {
      const query = [
        opts.status ? `status=${encodeURIComponent(opts.status)}` : '',
        opts.cursor ? `cursor=${encodeURIComponent(opts.cursor)}` : '',
        opts.limit ? `limit=${opts.limit}` : '',
      ]
        .filter(Boolean)
        .join('&');
      print(await adminClientFromEnv().request('GET', path(id, `/deliveries${query ? `?${query}` : ''}`)));
    });

  webhook
    .command('replay <endpoint-id>')
    .description('send one event (--event) or every event of a time range (--from, --to) again')
    .option('--event <event-id>', 'the event')
    .option('--from <time>', 'start of the range (ISO 8601)')
    .option('--to <time>', 'end of the range (ISO 8601, excluded)')
    .action(async (id: string, opts: { event?: string; from?: string; to?: string }) =>
      print(
        await adminClientFromEnv().request(
          'POST',
          path(id, '/replay'),
          opts.event !== undefined ? { event_id: opts.event } : { ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) },
        ),
      ),
    );

  webhook
    .command('discard <endpoint-id> <delivery-id>')
    .description('give up a dead delivery for good')
    .action(async (id: string, deliveryId: string) =>
      print(await adminClientFromEnv().request('POST', path(id, `/deliveries/${encodeURIComponent(deliveryId)}/discard`))),
    );
}
