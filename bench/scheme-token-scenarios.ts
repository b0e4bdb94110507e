/**
 * Merchant scheme tokens (issue 10): ACTIVATE/s, each a PATCH `scheme_token_action: ACTIVATE` that journals the
 * request, asks the (in-process) network for a card-on-file token, which asks the issuer (here the simulated
 * external one: the bench cards are no Tessera issuer's), then commits the answer. Setup, not measured: a scope
 * with network tokens and PAR, the merchant registered as token requestor on both networks, and reuse tokens made
 * from the card pool under that scope; each is activated once (a finite scenario).
 */
import { http, type BenchContext } from './context.js';
import type { Scenario } from './scenario-types.js';

/** Reuse tokens prepared for activation (fewer if the card pool runs low). */
const ACTIVATIONS = 1_000;
const SETUP_CONCURRENCY = 8;

async function prepare(ctx: BenchContext): Promise<string[]> {
  const admin = `Bearer ${ctx.adminToken}`;
  const merchant = ctx.merchant.merchantId;
  const scope = await http(ctx.baseUrl, 'POST', `/admin/v1/merchants/${merchant}/token-scopes`, {
    authorization: admin,
    body: { name: 'bench scheme tokens', network_tokens: true, par: true },
  });
  if (scope.status !== 201) throw new Error(`token scope: ${scope.status}`);
  for (const network of ['vts', 'mdes']) {
    const tr = await http(ctx.baseUrl, 'POST', `/admin/v1/merchants/${merchant}/token-requestors`, { authorization: admin, body: { network } });
    if (tr.status !== 201 && tr.status !== 409) throw new Error(`token requestor: ${tr.status}`);
  }
  const tokens: string[] = [];
  const worker = async () => {
    while (tokens.length < ACTIVATIONS) {
      const blob = ctx.cards.take();
      if (blob === undefined) return;
      const put = await http(ctx.baseUrl, 'PUT', '/oidc/api/v2/card', {
        authorization: ctx.merchant.authorization,
        body: { token_scope: scope.body.token_scope, public_key_alias: ctx.merchant.alias, encrypted_card: blob },
      });
      if (put.status === 200) tokens.push(put.body.reuse_token);
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  return tokens;
}

export const schemeTokenActivate: Scenario = {
  name: 'merchant PATCH /oidc/api/v2/card/{id} scheme_token_action ACTIVATE (card-on-file token through the network)',
  connections: 16,
  async setup(ctx) {
    const tokens = await prepare(ctx);
    const headers = { authorization: ctx.merchant.authorization, 'content-type': 'application/json' };
    const body = JSON.stringify({ scheme_token_action: 'ACTIVATE' });
    let i = 0;
    return {
      remaining: () => tokens.length - i,
      next: () => (i < tokens.length ? { method: 'PATCH', path: `/oidc/api/v2/card/${encodeURIComponent(tokens[i++]!)}`, headers, body } : undefined),
      ...(tokens.length < ACTIVATIONS ? { note: `${tokens.length} activations instead of ${ACTIVATIONS} (card pool ran low)` } : {}),
    };
  },
};
