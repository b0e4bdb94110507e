/** Bootstraps a merchant through the admin API, as an operator would. */
import { expect } from 'vitest';
import { encryptCard, type CardInput } from '../../src/client/encrypt-card.js';
import type { TestServer } from './app.js';
import { request } from './http.js';

export interface TestMerchant {
  merchantId: string;
  basic: { id: string; secret: string };
  scope: string;
  alias: string;
  publicKey: string;
}

export async function bootstrapMerchant(
  server: Pick<TestServer, 'baseUrl' | 'adminToken'>,
  scopeOptions: { network_tokens?: boolean; par?: boolean; token_ttl_days?: number } = {},
  algorithm: 'curve25519' | 'rsa3072' = 'curve25519',
): Promise<TestMerchant> {
  const admin = { bearer: server.adminToken };
  const merchant = await request(server.baseUrl, 'POST', '/admin/v1/merchants', { ...admin, body: { name: 'Test merchant' } });
  expect(merchant.status).toBe(201);
  const merchantId: string = merchant.body.merchant_id;
  const scope = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/token-scopes`, {
    ...admin,
    body: { name: 'web', ...scopeOptions },
  });
  expect(scope.status).toBe(201);
  const key = await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchantId}/capture-keys`, { ...admin, body: { algorithm } });
  expect(key.status).toBe(201);
  return {
    merchantId,
    basic: merchant.body.api_key,
    scope: scope.body.token_scope,
    alias: key.body.public_key_alias,
    publicKey: key.body.public_key,
  };
}

export const VISA = { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2030, cvv: '123', cardholderName: 'Jane Doe' };

export function encrypted(merchant: TestMerchant, card: CardInput = VISA): Promise<string> {
  return encryptCard(card, merchant.publicKey);
}

/** PUT /oidc/api/v2/card with a freshly encrypted card. */
export async function tokenize(server: TestServer, merchant: TestMerchant, card: CardInput = VISA, extra: Record<string, unknown> = {}) {
  return request(server.baseUrl, 'PUT', '/oidc/api/v2/card', {
    basic: merchant.basic,
    body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: await encrypted(merchant, card), ...extra },
  });
}
