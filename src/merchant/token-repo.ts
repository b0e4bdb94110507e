/**
 * Queries over merchant card tokens, token scopes and capture keys. The only place merchant SQL lives.
 */
import type { Kysely, Selectable, Updateable, Insertable } from 'kysely';
import type { CardTokensTable, CaptureKeysTable, Database, TokenScopesTable } from '../store/schema.js';
import type { Tx } from '../ledger/ledger.js';

export type CardTokenRow = Selectable<CardTokensTable>;
export type TokenScopeRow = Selectable<TokenScopesTable>;
export type CaptureKeyRow = Selectable<CaptureKeysTable>;

export function createTokenRepo(db: Kysely<Database>) {
  return {
    findScope(merchantId: string, scopeId: string): Promise<TokenScopeRow | undefined> {
      return db
        .selectFrom('token_scopes')
        .selectAll()
        .where('id', '=', scopeId)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
    },

    findCaptureKey(merchantId: string, alias: string): Promise<CaptureKeyRow | undefined> {
      return db
        .selectFrom('capture_keys')
        .selectAll()
        .where('alias', '=', alias)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
    },

    /** Ownership is part of the lookup: another merchant's token is simply not found. */
    findByReuseToken(merchantId: string, reuseToken: string, tx: Tx = db): Promise<CardTokenRow | undefined> {
      return tx
        .selectFrom('card_tokens')
        .selectAll()
        .where('reuse_token', '=', reuseToken)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
    },

    findLive(tx: Tx, scopeId: string, reuseTokenType: string, fingerprint: string): Promise<CardTokenRow | undefined> {
      return tx
        .selectFrom('card_tokens')
        .selectAll()
        .where('token_scope_id', '=', scopeId)
        .where('reuse_token_type', '=', reuseTokenType)
        .where('fingerprint', '=', fingerprint)
        .executeTakeFirst();
    },

    /** Inserts unless a live token for the same card, scope and type exists; true when this call inserted. */
    async insertIfAbsent(tx: Tx, row: Insertable<CardTokensTable>): Promise<boolean> {
      const result = await tx
        .insertInto('card_tokens')
        .values(row)
        .onConflict((oc) => oc.columns(['token_scope_id', 'reuse_token_type', 'fingerprint']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    /** Optimistic update: succeeds only if nobody changed the row since `rowVersion` was read. */
    async update(tx: Tx, id: string, rowVersion: number, changes: Updateable<CardTokensTable>): Promise<boolean> {
      const result = await tx
        .updateTable('card_tokens')
        .set({ ...changes, row_version: rowVersion + 1 })
        .where('id', '=', id)
        .where('row_version', '=', rowVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type TokenRepo = ReturnType<typeof createTokenRepo>;
