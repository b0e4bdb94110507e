/** All of the admin domain's SQL: merchants, their API keys and token scopes. Writes take a transaction. */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database, MerchantsTable, TokenScopesTable } from '../store/schema.js';
import type { Tx } from '../store/transactions.js';

export interface AdminDal {
  merchantExists(merchantId: string): Promise<boolean>;
  insertMerchant(tx: Tx, row: Insertable<MerchantsTable>): Promise<void>;
  insertApiKey(tx: Tx, row: Insertable<ApiKeysTable>): Promise<void>;
  /** Marks a live key of this merchant revoked; false when there is none (unknown, another merchant's, revoked). */
  revokeApiKey(tx: Tx, merchantId: string, keyId: string, revokedAt: string): Promise<boolean>;
  insertTokenScope(tx: Tx, row: Insertable<TokenScopesTable>): Promise<void>;
  findMerchant(merchantId: string): Promise<Selectable<MerchantsTable> | undefined>;
  /** Up to `count` rows ordered by key, after the key `after` (keyset pagination, see pages.ts). */
  listMerchants(count: number, after?: string): Promise<Selectable<MerchantsTable>[]>;
  /** A merchant's API keys without their hashes. */
  listApiKeys(merchantId: string, count: number, after?: string): Promise<ApiKeyListRow[]>;
  listTokenScopes(merchantId: string, count: number, after?: string): Promise<Selectable<TokenScopesTable>[]>;
}

export type ApiKeyListRow = Pick<Selectable<ApiKeysTable>, 'id' | 'created_at' | 'revoked_at'>;

export function createAdminDal(db: Kysely<Database>): AdminDal {
  return {
    async merchantExists(merchantId) {
      return (await db.selectFrom('merchants').select('id').where('id', '=', merchantId).executeTakeFirst()) !== undefined;
    },
    async insertMerchant(tx, row) {
      await tx.insertInto('merchants').values(row).execute();
    },
    async insertApiKey(tx, row) {
      await tx.insertInto('api_keys').values(row).execute();
    },
    async revokeApiKey(tx, merchantId, keyId, revokedAt) {
      const result = await tx
        .updateTable('api_keys')
        .set({ revoked_at: revokedAt })
        .where('id', '=', keyId)
        .where('merchant_id', '=', merchantId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async insertTokenScope(tx, row) {
      await tx.insertInto('token_scopes').values(row).execute();
    },
    findMerchant(merchantId) {
      return db.selectFrom('merchants').selectAll().where('id', '=', merchantId).executeTakeFirst();
    },
    listMerchants(count, after) {
      let query = db.selectFrom('merchants').selectAll();
      if (after !== undefined) query = query.where('id', '>', after);
      return query.orderBy('id').limit(count).execute();
    },
    listApiKeys(merchantId, count, after) {
      let query = db.selectFrom('api_keys').select(['id', 'created_at', 'revoked_at']).where('merchant_id', '=', merchantId);
      if (after !== undefined) query = query.where('id', '>', after);
      return query.orderBy('id').limit(count).execute();
    },
    listTokenScopes(merchantId, count, after) {
      let query = db.selectFrom('token_scopes').selectAll().where('merchant_id', '=', merchantId);
      if (after !== undefined) query = query.where('id', '>', after);
      return query.orderBy('id').limit(count).execute();
    },
  };
}
