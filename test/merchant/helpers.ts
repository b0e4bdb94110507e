/**
 * Shared helpers of the merchant (Verifone-compatible) HTTP tests: a controllable clock, Luhn-valid test PANs,
 * hand-made OpenPGP blobs, a thin client for the six operations and assertions on the error envelopes.
 */
import { randomInt } from 'node:crypto';
import { createMessage, encrypt, readKey } from 'openpgp';
import { expect } from 'vitest';
import { isLuhnValid, luhnCheckDigit } from '../../src/cards/index.js';
import { textToBase64 } from '../../src/client/base64.js';
import { captureTimeNow, decodeDistributedPublicKey, encryptCard, type CardInput } from '../../src/client/encrypt-card.js';
import { isoDate } from '../../src/clock.js';
import { createSealedData } from '../../src/keys/sealed-data.js';
import { merchantOwner } from '../../src/owners.js';
import type { TestServer } from '../support/app.js';
import { assertMatchesSchema } from '../support/contract.js';
import { request, type HttpResult } from '../support/http.js';
import type { TestMerchant } from '../support/merchant.js';

export const MESSAGES = {
  400: 'At least one parameter is invalid. Examine the details property for more information. Invalid parameters are listed and prefixed accordingly: body for parameters submitted in the requests body, query for parameters appended to the requests URL, and params for templated parameters of the requests URL.',
  401: "Access is restricted to authenticated users only. The query can't be made without a valid JWT token (check the Authorization header of your request).",
  404: "The requested resource, or one of its sub-resources, can't be found. If the submitted query is valid, this error is likely to be caused by a problem with a nested resource that has been deleted or modified. Check the details property for additional insights.",
} as const;

const DAY_MS = 86_400_000;

/** A clock the test moves by hand; the server reads it through `clock`. */
export interface ControlledClock {
  now: Date;
  readonly clock: () => Date;
  advanceDays(days: number): void;
  advanceMs(ms: number): void;
  today(): string;
  daysFromNow(days: number): string;
}

export function controlledClock(start: Date = new Date()): ControlledClock {
  const c: ControlledClock = {
    now: start,
    clock: () => c.now,
    advanceDays: (days) => void (c.now = new Date(c.now.getTime() + days * DAY_MS)),
    advanceMs: (ms) => void (c.now = new Date(c.now.getTime() + ms)),
    today: () => isoDate(c.now),
    daysFromNow: (days) => isoDate(new Date(c.now.getTime() + days * DAY_MS)),
  };
  return c;
}

/** A random Luhn-valid PAN starting with `prefix`. Distinct PANs keep tests of one server independent. */
export function makePan(prefix: string, length = 16): string {
  let body = prefix;
  while (body.length < length - 1) body += String(randomInt(10));
  return body + luhnCheckDigit(body);
}

/** The same PAN with its check digit changed: same length and prefix, fails Luhn. */
export function breakLuhn(pan: string): string {
  const last = Number(pan.slice(-1));
  const broken = pan.slice(0, -1) + String((last + 1) % 10);
  if (isLuhnValid(broken)) throw new Error('unreachable: changing the check digit breaks Luhn');
  return broken;
}

/** True when the string could pass for a card number: 12–19 digits that pass Luhn. */
export function looksLikePan(value: string): boolean {
  return /^[0-9]{12,19}$/.test(value) && isLuhnValid(value);
}

/** A card captured "now" according to the server's clock (captureTime is checked against that clock). */
export function cardAt(clock: ControlledClock | undefined, card: Partial<CardInput> & { cardNumber: string }): CardInput {
  return {
    expiryMonth: 12,
    expiryYear: 2030,
    cvv: '123',
    cardholderName: 'Jane Doe',
    captureTime: captureTimeNow(clock ? clock.now : new Date()),
    ...card,
  };
}

/** Any plaintext, encrypted exactly the way encryptCard does it: for blobs encryptCard refuses to build. */
export async function encryptPlaintext(plaintext: string, publicKeyBase64: string): Promise<string> {
  const key = await readKey({ armoredKey: decodeDistributedPublicKey(publicKeyBase64) });
  const armored = await encrypt({ message: await createMessage({ text: plaintext }), encryptionKeys: key, format: 'armored' });
  return textToBase64(armored);
}

export type Body = Record<string, unknown>;
/** Response bodies are JSON of many shapes; tests check them against the contract's schemas. */
export type Res = HttpResult<any>;

/** The six operations of the Token Management API, as one merchant (or as anyone, with `auth`). */
export class MerchantApi {
  constructor(
    readonly server: TestServer,
    readonly merchant: TestMerchant,
    readonly clock?: ControlledClock,
    private readonly key?: { id: string; secret: string },
  ) {}

  /** The API key it calls with: the one given to `as`, else the merchant's (read per call: a fixture's merchant is filled in later). */
  get basic(): { id: string; secret: string } {
    return this.key ?? this.merchant.basic;
  }

  as(basic: { id: string; secret: string }): MerchantApi {
    return new MerchantApi(this.server, this.merchant, this.clock, basic);
  }

  card(card: Partial<CardInput> & { cardNumber: string }): CardInput {
    return cardAt(this.clock, card);
  }

  blob(card: Partial<CardInput> & { cardNumber: string }): Promise<string> {
    return encryptCard(this.card(card), this.merchant.publicKey);
  }

  /** PUT with a freshly encrypted card and this merchant's scope and alias, unless `extra` overrides them. */
  async put(card: Partial<CardInput> & { cardNumber: string }, extra: Body = {}): Promise<Res> {
    return this.putBody({ token_scope: this.merchant.scope, public_key_alias: this.merchant.alias, encrypted_card: await this.blob(card), ...extra });
  }

  putBody(body: Body, headers: Record<string, string> = {}): Promise<Res> {
    return request(this.server.baseUrl, 'PUT', '/oidc/api/v2/card', { basic: this.basic, body, headers });
  }

  get(id: string): Promise<Res> {
    return request(this.server.baseUrl, 'GET', `/oidc/api/v2/card/${id}`, { basic: this.basic });
  }

  patch(id: string, body: Body): Promise<Res> {
    return request(this.server.baseUrl, 'PATCH', `/oidc/api/v2/card/${id}`, { basic: this.basic, body });
  }

  suspend(id: string): Promise<Res> {
    return request(this.server.baseUrl, 'PATCH', `/oidc/api/v2/card/${id}/suspend`, { basic: this.basic });
  }

  activate(id: string): Promise<Res> {
    return request(this.server.baseUrl, 'PATCH', `/oidc/api/v2/card/${id}/activate`, { basic: this.basic });
  }

  remove(id: string): Promise<Res> {
    return request(this.server.baseUrl, 'DELETE', `/oidc/api/v2/card/${id}`, { basic: this.basic });
  }

  /** PUT that must succeed; returns the CardResponse. */
  async create(card: Partial<CardInput> & { cardNumber: string }, extra: Body = {}): Promise<any> {
    const res = await this.put(card, extra);
    if (res.status !== 200) throw new Error(`PUT failed with ${res.status}: ${res.text}`);
    return res.body;
  }
}

function expectEnvelope(res: HttpResult, code: 400 | 401 | 404, schema: string): void {
  expect(res.status, res.text).toBe(code);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  assertMatchesSchema('verifone', schema, res.body);
  const body = res.body as Record<string, unknown>;
  expect(body.code).toBe(code);
  expect(body.message).toBe(MESSAGES[code]);
  expect(typeof body.timestamp).toBe('number');
  expect(Number.isFinite(body.timestamp)).toBe(true);
  expect(body.reversal_status).toBe('NONE');
  expect(typeof body.details).toBe('object');
}

/** 400 in the contract's envelope, with `details` naming each of `fields` (each with a message). */
export function expectBadRequest(res: HttpResult, fields: string[]): void {
  expectEnvelope(res, 400, 'BadRequestV2Docs');
  const details = (res.body as { details: Record<string, { message?: unknown }> }).details;
  for (const field of fields) {
    expect(Object.keys(details), `details should name ${field}: ${res.text}`).toContain(field);
    expect(typeof details[field]?.message).toBe('string');
  }
}

export function expectNotFound(res: HttpResult): void {
  expectEnvelope(res, 404, 'NotFoundV2Docs');
}

export function expectUnauthorized(res: HttpResult): void {
  expectEnvelope(res, 401, 'UnauthorizedV2Docs');
}

// --- admin API ---------------------------------------------------------------------------------------------

export async function addScope(
  server: TestServer,
  merchantId: string,
  options: { network_tokens?: boolean; par?: boolean; token_ttl_days?: number } = {},
): Promise<string> {
  const res = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/token-scopes`, {
    bearer: server.adminToken,
    body: { name: 'extra', ...options },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.token_scope;
}

export async function addApiKey(server: TestServer, merchantId: string): Promise<{ id: string; secret: string }> {
  const res = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/api-keys`, { bearer: server.adminToken });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

export async function revokeApiKey(server: TestServer, merchantId: string, keyId: string): Promise<void> {
  const res = await request(server.baseUrl, 'DELETE', `/admin/v1/merchants/${merchantId}/api-keys/${keyId}`, { bearer: server.adminToken });
  expect(res.status, res.text).toBe(204);
}

export async function addCaptureKey(server: TestServer, merchantId: string): Promise<{ alias: string; publicKey: string }> {
  const res = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/capture-keys`, {
    bearer: server.adminToken,
    body: { algorithm: 'curve25519' },
  });
  expect(res.status, res.text).toBe(201);
  return { alias: res.body.public_key_alias, publicKey: res.body.public_key };
}

// --- database ----------------------------------------------------------------------------------------------

export function cardRow(server: TestServer, reuseToken: string) {
  return server.app.core.store.db.selectFrom('card_tokens').selectAll().where('reuse_token', '=', reuseToken).executeTakeFirstOrThrow();
}

export async function countTokens(server: TestServer, merchantId: string): Promise<number> {
  const rows = await server.app.core.store.db.selectFrom('card_tokens').select('id').where('merchant_id', '=', merchantId).execute();
  return rows.length;
}

/** Opens a token's sealed card record with the server's own keys (white-box: what is stored, even encrypted). */
export async function openSealedCard(server: TestServer, reuseToken: string): Promise<Record<string, unknown> | null> {
  return openSealedRow(server, await cardRow(server, reuseToken));
}

export async function openSealedRow(
  server: TestServer,
  row: { id: string; merchant_id: string; card_sealed: string | null; key_version: number | null },
): Promise<Record<string, unknown> | null> {
  if (row.card_sealed === null || row.key_version === null) return null;
  const sealed = createSealedData(server.app.core.dataKeys);
  return sealed.open<Record<string, unknown>>(merchantOwner(row.merchant_id), row.id, { sealed: row.card_sealed, keyVersion: row.key_version });
}
