/**
 * Bootstrap of merchants: the merchant itself, its API keys (secrets stored only as a slow hash), token scopes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { InvalidInput, NotFound } from '../errors.js';
import { generateSecret, hashSecret } from '../vault/secrets.js';
import { recordAudit } from '../ledger/ledger.js';
import type { Transact } from '../store/transactions.js';

export interface NewMerchant {
  merchant_id: string;
  api_key: { id: string; secret: string };
}

export interface TokenScopeInput {
  name: string;
  network_tokens?: boolean;
  par?: boolean;
  token_ttl_days?: number;
}

export function createMerchantAdmin(db: Kysely<Database>, transact: Transact) {
  async function assertMerchant(merchantId: string): Promise<void> {
    const found = await db.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst();
    if (!found) throw new NotFound('merchant');
  }

  /** The slow hash is computed before any transaction opens, so no lock is held while it runs. */
  async function newApiKey(): Promise<{ id: string; secret: string; hash: string }> {
    const secret = generateSecret();
    return { id: `ak_${randomBytes(12).toString('hex')}`, secret, hash: await hashSecret(secret) };
  }

  async function storeApiKey(merchantId: string, key: { id: string; secret: string; hash: string }, tx: Kysely<Database>) {
    const { id, secret } = key;
    await tx
      .insertInto('api_keys')
      .values({ id, merchant_id: merchantId, secret_hash: key.hash, created_at: new Date().toISOString(), revoked_at: null })
      .execute();
    await recordAudit(tx, { actor: 'admin', action: 'api_key.created', objectType: 'api_key', objectId: id, detail: { merchant_id: merchantId } });
    return { id, secret };
  }

  return {
    assertMerchant,

    async createMerchant(name: string): Promise<NewMerchant> {
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 200) throw new InvalidInput({ 'body.name': 'must be 1 to 200 characters' });
      const merchantId = randomUUID();
      const key = await newApiKey();
      return transact(async (tx) => {
        await tx.insertInto('merchants').values({ id: merchantId, name: trimmed, created_at: new Date().toISOString() }).execute();
        await recordAudit(tx, { actor: 'admin', action: 'merchant.created', objectType: 'merchant', objectId: merchantId });
        return { merchant_id: merchantId, api_key: await storeApiKey(merchantId, key, tx) };
      });
    },

    async createApiKey(merchantId: string): Promise<{ id: string; secret: string }> {
      await assertMerchant(merchantId);
      const key = await newApiKey();
      return transact((tx) => storeApiKey(merchantId, key, tx));
    },

    async revokeApiKey(merchantId: string, keyId: string): Promise<void> {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: new Date().toISOString() })
        .where('id', '=', keyId)
        .where('merchant_id', '=', merchantId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw new NotFound('api key');
      await recordAudit(db, { actor: 'admin', action: 'api_key.revoked', objectType: 'api_key', objectId: keyId, detail: { merchant_id: merchantId } });
    },

    async createTokenScope(merchantId: string, input: TokenScopeInput): Promise<{ token_scope: string }> {
      await assertMerchant(merchantId);
      const name = input.name.trim();
      if (!name || name.length > 200) throw new InvalidInput({ 'body.name': 'must be 1 to 200 characters' });
      const id = randomUUID();
      await transact(async (tx) => {
        await tx
          .insertInto('token_scopes')
          .values({
            id,
            merchant_id: merchantId,
            name,
            network_tokens: input.network_tokens ? 1 : 0,
            par: input.par ? 1 : 0,
            token_ttl_days: input.token_ttl_days ?? null,
            created_at: new Date().toISOString(),
          })
          .execute();
        await recordAudit(tx, { actor: 'admin', action: 'token_scope.created', objectType: 'token_scope', objectId: id, detail: { merchant_id: merchantId } });
      });
      return { token_scope: id };
    },
  };
}

export type MerchantAdmin = ReturnType<typeof createMerchantAdmin>;
