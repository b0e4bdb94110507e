/**
 * Issuer-side scenarios: reading a network token, and the SUSPEND / RESUME cycle (each operation goes through
 * the network simulator and is committed only after its acknowledgement). Setup, not measured: one account,
 * cards provisioned through the sandbox as a wallet would, and an account token.
 */
import { http, type BenchContext } from './context.js';
import type { Scenario } from './scenario-types.js';

const CARDS = 100;
const WALLETS = ['APPLE_PAY', 'GOOGLE_PAY'] as const;
export const ISSUER_GET_FLOOR_RPS = 5000;
export const ISSUER_OPERATION_FLOOR_RPS = 1000;

interface IssuerFixture {
  authorization: string;
  tokens: { cardId: number; tokenId: string }[];
}

/** A Luhn-valid 16-digit Visa number, distinct per index. */
function visaPan(index: number): string {
  const payload = `489537${String(index).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let digit = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return payload + String((10 - (sum % 10)) % 10);
}

let fixture: Promise<IssuerFixture> | undefined;

async function issuerFixture(ctx: BenchContext): Promise<IssuerFixture> {
  fixture ??= (async () => {
    const admin = `Bearer ${ctx.adminToken}`;
    const account = await http(ctx.baseUrl, 'POST', '/admin/v1/accounts', { authorization: admin, body: {} });
    if (account.status !== 201) throw new Error(`account: ${account.status}`);
    const accountId: number = account.body.account_id;
    const tokens: IssuerFixture['tokens'] = [];
    for (let c = 0; c < CARDS; c++) {
      const card = await http(ctx.baseUrl, 'POST', `/admin/v1/accounts/${accountId}/cards`, {
        authorization: admin,
        body: { pan: visaPan(c), expiry_month: 12, expiry_year: 2031, cardholder_name: 'Bench Holder' },
      });
      if (card.status !== 201) throw new Error(`card: ${card.status}`);
      for (const wallet of WALLETS) {
        const token = await http(ctx.baseUrl, 'POST', '/sandbox/v1/provision', { authorization: admin, body: { card_id: card.body.card_id, wallet } });
        if (token.status !== 201) throw new Error(`provision: ${token.status}`);
        tokens.push({ cardId: card.body.card_id, tokenId: token.body.token_id });
      }
    }
    const access = await http(ctx.baseUrl, 'POST', `/admin/v1/accounts/${accountId}/access-tokens`, { authorization: admin });
    if (access.status !== 201) throw new Error(`access token: ${access.status}`);
    return { authorization: `Bearer ${access.body.access_token}`, tokens };
  })();
  return fixture;
}

export const issuerGetToken: Scenario = {
  name: 'issuer GET /cards-tokenization/v1/cards/{card}/network-tokens/{token}',
  connections: 64,
  floorRps: ISSUER_GET_FLOOR_RPS,
  async setup(ctx) {
    const { authorization, tokens } = await issuerFixture(ctx);
    const headers = { authorization };
    let i = 0;
    return {
      next: () => {
        const token = tokens[i++ % tokens.length]!;
        return { method: 'GET', path: `/cards-tokenization/v1/cards/${token.cardId}/network-tokens/${token.tokenId}`, headers };
      },
    };
  },
};

export const issuerSuspendResume: Scenario = {
  name: 'issuer POST …/network-tokens/{token} SUSPEND/RESUME cycle',
  connections: 32,
  floorRps: ISSUER_OPERATION_FLOOR_RPS,
  async setup(ctx) {
    const { authorization, tokens } = await issuerFixture(ctx);
    const headers = { authorization, 'content-type': 'application/json' };
    const bodies = {
      SUSPEND: JSON.stringify({ operation_type: 'SUSPEND', operation_reason: 'Bench: lost device', operator_id: 'bench' }),
      RESUME: JSON.stringify({ operation_type: 'RESUME', operation_reason: 'Bench: device found', operator_id: 'bench' }),
    };
    // Each connection checks a token out, sends the operation its known state calls for, and returns it when
    // the answer arrives: one operation per token in flight, so every answer should be a 200. A token whose
    // connection is torn down mid-request (end of warm-up) is never used again, since its state is unknown.
    const free = tokens.map((_, index) => index);
    const suspended = tokens.map(() => false);
    return {
      next: (connection = {}) => {
        const index = free.shift();
        if (index === undefined) return undefined;
        connection.token = index;
        const token = tokens[index]!;
        return {
          method: 'POST',
          path: `/cards-tokenization/v1/cards/${token.cardId}/network-tokens/${token.tokenId}`,
          headers,
          body: suspended[index] ? bodies.RESUME : bodies.SUSPEND,
        };
      },
      onResponse: (status, _body, connection = {}) => {
        const index = connection.token as number | undefined;
        if (index === undefined) return;
        if (status === 200) suspended[index] = !suspended[index];
        connection.token = undefined;
        free.push(index);
      },
    };
  },
};
