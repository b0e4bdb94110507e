/**
 * What every scenario can use: the running server, a merchant bootstrapped through the admin API (as an operator
 * would, see openapi/admin.openapi.json), the pool of pre-encrypted cards and the tokens created so far.
 */

export interface BenchMerchant {
  merchantId: string;
  apiKey: { id: string; secret: string };
  /** Ready-made `Authorization: Basic …` value for the merchant API. */
  authorization: string;
  scope: string;
  alias: string;
  /** base64 of the armored capture public key, as handed out. */
  publicKey: string;
}

/** Pre-generated `encrypted_card` blobs, each handed out once. */
export class CardPool {
  private cursor = 0;
  constructor(
    private readonly blobs: readonly string[],
    /** When the oldest blob stops being accepted (captureTime + 15 min), epoch ms. */
    readonly validUntil: number,
  ) {}
  get size(): number {
    return this.blobs.length;
  }
  get remaining(): number {
    return this.blobs.length - this.cursor;
  }
  take(): string | undefined {
    return this.cursor < this.blobs.length ? this.blobs[this.cursor++] : undefined;
  }
}

export interface BenchContext {
  baseUrl: string;
  adminToken: string;
  merchant: BenchMerchant;
  cards: CardPool;
  /** Reuse tokens created so far (the PUT scenario records them; `ensureTokens` tops up). */
  tokens: string[];
  /** How many tokens scenarios want to keep around for reads. */
  tokenTarget: number;
}

export interface HttpResult {
  status: number;
  body: any;
}

export async function http(baseUrl: string, method: string, path: string, options: { body?: unknown; authorization?: string } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.authorization) headers.authorization = options.authorization;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(baseUrl + path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, body };
}

function expectStatus(result: HttpResult, status: number, what: string): void {
  if (result.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${result.status}: ${JSON.stringify(result.body).slice(0, 500)}`);
  }
}

/** Merchant, token scope and capture key (curve25519 unless told), through the admin API. */
export async function bootstrapMerchant(baseUrl: string, adminToken: string, algorithm: 'curve25519' | 'rsa3072' = 'curve25519'): Promise<BenchMerchant> {
  const admin = { authorization: `Bearer ${adminToken}` };
  const merchant = await http(baseUrl, 'POST', '/admin/v1/merchants', { ...admin, body: { name: 'Bench merchant' } });
  expectStatus(merchant, 201, 'create merchant');
  const merchantId: string = merchant.body.merchant_id;
  const scope = await http(baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/token-scopes`, { ...admin, body: { name: 'bench' } });
  expectStatus(scope, 201, 'create token scope');
  const key = await http(baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/capture-keys`, { ...admin, body: { algorithm } });
  expectStatus(key, 201, 'create capture key');
  const apiKey = merchant.body.api_key as { id: string; secret: string };
  return {
    merchantId,
    apiKey,
    authorization: 'Basic ' + Buffer.from(`${apiKey.id}:${apiKey.secret}`).toString('base64'),
    scope: scope.body.token_scope,
    alias: key.body.public_key_alias,
    publicKey: key.body.public_key,
  };
}

/** The PUT /oidc/api/v2/card body for one encrypted card. */
export function putCardBody(ctx: BenchContext, encryptedCard: string): string {
  return JSON.stringify({ token_scope: ctx.merchant.scope, public_key_alias: ctx.merchant.alias, encrypted_card: encryptedCard });
}

/** Records a reuse token from a PUT response body, up to `ctx.tokenTarget`. */
export function recordToken(ctx: BenchContext, responseBody: string): void {
  if (ctx.tokens.length >= ctx.tokenTarget) return;
  try {
    const token = (JSON.parse(responseBody) as { reuse_token?: unknown }).reuse_token;
    if (typeof token === 'string') ctx.tokens.push(token);
  } catch {
    // not JSON: counted as an error by the status code anyway
  }
}

/**
 * Makes sure `count` tokens exist (outside any measurement), tokenizing unused cards from the pool; lets read
 * scenarios run on their own, without the PUT scenario before them. Returns how many exist; throws below `min`.
 */
export async function ensureTokens(ctx: BenchContext, count: number, min = 1): Promise<number> {
  const target = Math.min(count, ctx.tokenTarget);
  const worker = async () => {
    while (ctx.tokens.length < target) {
      const blob = ctx.cards.take();
      if (blob === undefined) return;
      const response = await fetch(`${ctx.baseUrl}/oidc/api/v2/card`, {
        method: 'PUT',
        headers: { authorization: ctx.merchant.authorization, 'content-type': 'application/json' },
        body: putCardBody(ctx, blob),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`tokenize for setup: HTTP ${response.status}: ${text.slice(0, 300)}`);
      recordToken(ctx, text);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (ctx.tokens.length < min) {
    throw new Error(`only ${ctx.tokens.length} of ${target} tokens available (card pool exhausted; raise BENCH_CARDS)`);
  }
  return Math.min(ctx.tokens.length, target);
}

/**
 * One authenticated request before any load, so the merchant authenticator's first scrypt verification (cached
 * for 60 s afterwards) is not paid by 32 connections at once at the start of the first scenario.
 * Returns the time it took (≈ one scrypt verify).
 */
export async function primeMerchantAuth(ctx: { baseUrl: string; merchant: BenchMerchant }): Promise<number> {
  const t0 = performance.now();
  const result = await http(ctx.baseUrl, 'GET', '/oidc/api/v2/card/tok_bench_does_not_exist', { authorization: ctx.merchant.authorization });
  if (result.status !== 404) throw new Error(`priming merchant auth: expected 404, got ${result.status}: ${JSON.stringify(result.body).slice(0, 300)}`);
  return performance.now() - t0;
}
