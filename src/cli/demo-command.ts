/**
 * `tessera demo`: both README walk-throughs, run against the server at TESSERA_URL (with TESSERA_ADMIN_TOKEN) and
 * printed step by step. Merchant: merchant, token scope, capture key, a test card encrypted with the client helper,
 * PUT, GET, PATCH. Issuer: account, card, account token, provisioning through the sandbox, GET, SUSPEND, RESUME.
 * Every run makes new objects (a fresh test PAN for the issuer card), so it can be repeated on one server. Needs
 * the sandbox (on in development; TESSERA_SANDBOX=on otherwise) for the provisioning step.
 */
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { luhnCheckDigit } from '../cards/index.js';
import { encryptCard } from '../client/encrypt-card.js';
import { AdminApiError, type AdminClient, adminClientFromEnv, createAdminClient, fetchTransport, type HttpMethod } from './admin-client.js';
import { write } from './output.js';

interface DemoOptions {
  json: boolean;
}

type Step = (walkthrough: string, name: string, shown: Record<string, unknown>) => Promise<void>;

/** A test Visa PAN of the BIN table's sample range, new on every run (a card's PAN is unique per issuer). */
function testPan(): string {
  const body = `4895370${String(randomInt(0, 10 ** 8)).padStart(8, '0')}`;
  return body + luhnCheckDigit(body);
}

/** A client of another API of the same server: the merchant's Basic credential, or an account token. */
function apiClient(baseUrl: string, authorization: string): AdminClient {
  // The admin client's transport and error handling fit any of our JSON APIs; only the credential differs.
  const transport = fetchTransport(baseUrl);
  return {
    baseUrl,
    request: (method: HttpMethod, path: string, body?: unknown) =>
      createAdminClient(baseUrl, '', async (req) => transport({ ...req, headers: { ...req.headers, authorization } })).request(method, path, body),
  };
}

async function merchantWalkthrough(admin: AdminClient, step: Step): Promise<void> {
  const w = 'merchant';
  const merchant = await admin.request<{ merchant_id: string; api_key: { id: string; secret: string } }>('POST', '/admin/v1/merchants', { name: 'Demo shop' });
  await step(w, 'create a merchant and its API key', { merchant_id: merchant.merchant_id, api_key_id: merchant.api_key.id });
  const scope = await admin.request<{ token_scope: string }>('POST', `/admin/v1/merchants/${merchant.merchant_id}/token-scopes`, {
    name: 'web',
    token_ttl_days: 730,
  });
  await step(w, 'create a token scope', scope);
  const key = await admin.request<{ public_key_alias: string; public_key: string }>('POST', `/admin/v1/merchants/${merchant.merchant_id}/capture-keys`);
  await step(w, 'create a capture key', { public_key_alias: key.public_key_alias });
  const year = new Date().getUTCFullYear() + 3;
  const encrypted = await encryptCard(
    { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: year, cvv: '123', cardholderName: 'Jane Doe' },
    key.public_key,
  );
  await step(w, 'encrypt a test card to the capture key (client helper)', { encrypted_card_bytes: encrypted.length });
  const basic = `Basic ${Buffer.from(`${merchant.api_key.id}:${merchant.api_key.secret}`).toString('base64')}`;
  const oidc = apiClient(admin.baseUrl, basic);
  const put = await oidc.request<{ reuse_token: string; last_four: string; token_status: string }>('PUT', '/oidc/api/v2/card', {
    token_scope: scope.token_scope,
    public_key_alias: key.public_key_alias,
    encrypted_card: encrypted,
  });
  await step(w, 'PUT /oidc/api/v2/card (tokenize)', { reuse_token: put.reuse_token, last_four: put.last_four, token_status: put.token_status });
  const got = await oidc.request<{ card_holder_name: string; token_status: string }>('GET', `/oidc/api/v2/card/${put.reuse_token}`);
  await step(w, 'GET the token', { card_holder_name: got.card_holder_name, token_status: got.token_status });
  const patched = await oidc.request<{ card_holder_name: string }>('PATCH', `/oidc/api/v2/card/${put.reuse_token}`, { card_holder_name: 'J. Doe' });
  await step(w, 'PATCH the holder name', { card_holder_name: patched.card_holder_name });
}

async function issuerWalkthrough(admin: AdminClient, step: Step): Promise<void> {
  const w = 'issuer';
  const account = await admin.request<{ account_id: number }>('POST', '/admin/v1/accounts');
  await step(w, 'create an account', account);
  const card = await admin.request<{ card_id: number }>('POST', `/admin/v1/accounts/${account.account_id}/cards`, {
    pan: testPan(),
    expiry_month: 12,
    expiry_year: new Date().getUTCFullYear() + 3,
    cardholder_name: 'Jane Doe',
  });
  await step(w, 'create a card (test PAN)', card);
  const token = await admin.request<{ access_token: string; expires_in: number }>('POST', `/admin/v1/accounts/${account.account_id}/access-tokens`);
  await step(w, 'issue an account token', { expires_in: token.expires_in });
  const provisioned = await admin.request<{ token_id: string; status: string; payment_network: string }>('POST', '/sandbox/v1/provision', {
    card_id: card.card_id,
    wallet: 'APPLE_PAY',
    device_id: 'iphone-1',
  });
  await step(w, 'provision a network token (sandbox wallet)', {
    token_id: provisioned.token_id,
    status: provisioned.status,
    network: provisioned.payment_network,
  });
  const pismo = apiClient(admin.baseUrl, `Bearer ${token.access_token}`);
  const path = `/cards-tokenization/v1/cards/${card.card_id}/network-tokens/${provisioned.token_id}`;
  const status = async () => (await pismo.request<{ status?: string; token_status?: string }>('GET', path)) ?? {};
  const first = await status();
  await step(w, 'GET the network token', { status: first.status ?? first.token_status });
  await pismo.request('POST', path, { operation_type: 'SUSPEND', operation_reason: 'Lost phone', operator_id: 'agent-7' });
  const suspended = await status();
  await step(w, 'SUSPEND it', { status: suspended.status ?? suspended.token_status });
  await pismo.request('POST', path, { operation_type: 'RESUME', operation_reason: 'Phone found', operator_id: 'agent-7' });
  const resumed = await status();
  await step(w, 'RESUME it', { status: resumed.status ?? resumed.token_status });
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run both README walk-throughs (merchant and issuer) against the server at TESSERA_URL, printing each step')
    .option('--json', 'one JSON object per step on stdout', false)
    .action(async (opts: DemoOptions) => {
      const admin = adminClientFromEnv();
      let number = 0;
      const step: Step = async (walkthrough, name, shown) => {
        number++;
        const details = Object.entries(shown)
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(' ');
        await write(
          opts.json
            ? `${JSON.stringify({ walkthrough, step: number, name, ...shown })}\n`
            : `${walkthrough.padEnd(8)} ${String(number).padStart(2)}. ${name}: ${details}\n`,
        );
      };
      try {
        await merchantWalkthrough(admin, step);
        await issuerWalkthrough(admin, step);
      } catch (error) {
        if (error instanceof AdminApiError && error.status === 404 && number >= 11) {
          throw new Error(`${error.message}: is the sandbox on (TESSERA_SANDBOX=on)? provisioning needs it`);
        }
        throw error;
      }
    });
}
