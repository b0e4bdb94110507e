/**
 * The benchmark scenarios. A scenario is a name, a fixed concurrency, an optional throughput floor, and a `setup`
 * that prepares its inputs (outside any measurement) and returns the request builder the load generator calls
 * once per request, for the warm-up and then the measured run.
 *
 * To add one (issuer GET, SUSPEND/RESUME cycle…), append an object to SCENARIOS; e.g. a suspend/activate cycle:
 *
 *   {
 *     name: 'merchant PATCH /oidc/api/v2/card/{id}/suspend|activate (cycle)',
 *     connections: 32,
 *     async setup(ctx) {
 *       await ensureTokens(ctx, 1000);
 *       let i = 0;
 *       return { next: () => {
 *         const token = ctx.tokens[Math.floor(i / 2) % ctx.tokens.length]!;
 *         const action = i++ % 2 === 0 ? 'suspend' : 'activate';
 *         return { method: 'PATCH', path: `/oidc/api/v2/card/${token}/${action}`, headers: merchantHeaders(ctx) };
 *       } };
 *     },
 *   }
 */
import { ensureTokens, putCardBody, recordToken, type BenchContext } from './context.js';
import type { Scenario } from './scenario-types.js';
import { issuerGetToken, issuerSuspendResume } from './issuer-scenarios.js';
import { schemeTokenActivate } from './scheme-token-scenarios.js';

export type { BenchRequest, RequestBuilder, Scenario } from './scenario-types.js';

export const PUT_CONNECTIONS = 32;
export const GET_CONNECTIONS = 64;
export const PUT_FLOOR_RPS = 500;
export const GET_FLOOR_RPS = 5000;
/** Tokens the GET scenario cycles over. */
export const GET_TOKEN_COUNT = 1000;

export function merchantHeaders(ctx: BenchContext, json = false): Record<string, string> {
  return json ? { authorization: ctx.merchant.authorization, 'content-type': 'application/json' } : { authorization: ctx.merchant.authorization };
}

export const tokenizeNewCards: Scenario = {
  name: 'merchant PUT /oidc/api/v2/card (tokenize, new cards)',
  connections: PUT_CONNECTIONS,
  floorRps: PUT_FLOOR_RPS,
  async setup(ctx) {
    const headers = merchantHeaders(ctx, true);
    return {
      next() {
        const blob = ctx.cards.take();
        return blob === undefined ? undefined : { method: 'PUT', path: '/oidc/api/v2/card', headers, body: putCardBody(ctx, blob) };
      },
      remaining: () => ctx.cards.remaining,
      onResponse(status, body) {
        if (status >= 200 && status < 300) recordToken(ctx, body);
      },
    };
  },
};

export const getToken: Scenario = {
  name: 'merchant GET /oidc/api/v2/card/{id}',
  connections: GET_CONNECTIONS,
  floorRps: GET_FLOOR_RPS,
  async setup(ctx) {
    const available = await ensureTokens(ctx, GET_TOKEN_COUNT);
    const tokens = ctx.tokens.slice(0, GET_TOKEN_COUNT);
    const headers = merchantHeaders(ctx);
    let i = 0;
    return {
      next: () => ({ method: 'GET', path: `/oidc/api/v2/card/${encodeURIComponent(tokens[i++ % tokens.length]!)}`, headers }),
      ...(available < GET_TOKEN_COUNT ? { note: `cycled over ${available} tokens instead of ${GET_TOKEN_COUNT} (card pool exhausted)` } : {}),
    };
  },
};

/** Run in this order (GET reads tokens the PUT scenario created). */
export const SCENARIOS: Scenario[] = [tokenizeNewCards, getToken, schemeTokenActivate, issuerGetToken, issuerSuspendResume];
