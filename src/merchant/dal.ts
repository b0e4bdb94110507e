/**
 * The merchant data-access module: every query over merchant card tokens, token scopes, capture keys and API
 * keys. The only merchant file with SQL; services receive the functions they need (narrowed with `Pick<>`).
 *
 * Reads outside a transaction use the module's own handle; writes take the transaction of the unit of work
 * they belong to, so a change and its audit record commit together.
 */
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type {
  ApiKeysTable,
  CaptureKeysTable,
  CardTokensTable,
  Database,
  SchemeTokenOperationsTable,
  SchemeTokensTable,
  TokenRequestorsTable,
  TokenScopesTable,
} from '../store/schema.js';
import type { UnitOfWork } from '../store/transactions.js';
import { compileOnce } from '../store/compiled-query.js';
import { locksRows } from '../store/row-locks.js';

/** The transaction a unit of work runs in (see store/transactions.ts). */
export type Tx = Parameters<UnitOfWork<unknown>>[0];

export type CardTokenRow = Selectable<CardTokensTable>;
export type NewCardToken = Insertable<CardTokensTable>;
export type CardTokenChanges = Updateable<CardTokensTable>;
export type TokenScopeRow = Selectable<TokenScopesTable>;
export type CaptureKeyRow = Selectable<CaptureKeysTable>;
export type PublicCaptureKeyRow = Pick<CaptureKeyRow, 'alias' | 'public_key' | 'algorithm' | 'created_at'>;
export type SealedCaptureKeyRow = Pick<CaptureKeyRow, 'private_key_sealed' | 'key_version'>;
export type TokenRequestorRow = Selectable<TokenRequestorsTable>;
export type SchemeTokenRow = Selectable<SchemeTokensTable>;
export type SchemeTokenChanges = Updateable<SchemeTokensTable>;
export type SchemeOperationRow = Selectable<SchemeTokenOperationsTable>;
export type ApiKeyCredentialRow = Pick<Selectable<ApiKeysTable>, 'merchant_id' | 'secret_hash' | 'revoked_at'>;

/** What must still be true of a row for an update to apply. */
export interface UpdateGuard {
  rowVersion?: number;
  status?: string;
  fingerprint?: string;
}

const first = <Row>(result: { rows: Row[] }): Row | undefined => result.rows[0];

export function createMerchantDal(db: Kysely<Database>) {
  // The lookups every read and tokenization makes, compiled once (see compiled-query.ts).
  const scopeById = compileOnce<TokenScopeRow, 'id' | 'merchant'>((param) =>
    db.selectFrom('token_scopes').selectAll().where('id', '=', param('id')).where('merchant_id', '=', param('merchant')),
  );
  const tokenByReuseToken = compileOnce<CardTokenRow, 'reuseToken' | 'merchant'>((param) =>
    db.selectFrom('card_tokens').selectAll().where('reuse_token', '=', param('reuseToken')).where('merchant_id', '=', param('merchant')),
  );
  const liveToken = compileOnce<CardTokenRow, 'scope' | 'type' | 'fingerprint'>((param) =>
    db
      .selectFrom('card_tokens')
      .selectAll()
      .where('token_scope_id', '=', param('scope'))
      .where('reuse_token_type', '=', param('type'))
      .where('fingerprint', '=', param('fingerprint')),
  );

  const forUpdate = locksRows(db as unknown as Kysely<unknown>);

  return {
    // --- token scopes ------------------------------------------------------------------------------------

    findScope(merchantId: string, scopeId: string): Promise<TokenScopeRow | undefined> {
      return db.executeQuery(scopeById({ id: scopeId, merchant: merchantId })).then(first);
    },

    // --- card tokens -------------------------------------------------------------------------------------

    /** Ownership is part of the lookup: another merchant's token is simply not found. */
    findTokenByReuseToken(merchantId: string, reuseToken: string): Promise<CardTokenRow | undefined> {
      return db.executeQuery(tokenByReuseToken({ reuseToken, merchant: merchantId })).then(first);
    },

    /** The token that holds this card in the scope for this reuse-token type, if any (expired ones included). */
    findLiveToken(scopeId: string, reuseTokenType: string, fingerprint: string): Promise<CardTokenRow | undefined> {
      return db.executeQuery(liveToken({ scope: scopeId, type: reuseTokenType, fingerprint })).then(first);
    },

    /**
     * The token holding this card in the scope, read inside `tx` and locked until it ends (PostgreSQL: FOR UPDATE;
     * SQLite: the transaction already holds the database). Concurrent writers of the card wait for each other.
     */
    lockLiveToken(tx: Tx, scopeId: string, reuseTokenType: string, fingerprint: string): Promise<CardTokenRow | undefined> {
      const query = tx
        .selectFrom('card_tokens')
        .selectAll()
        .where('token_scope_id', '=', scopeId)
        .where('reuse_token_type', '=', reuseTokenType)
        .where('fingerprint', '=', fingerprint);
      return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
    },

    /** One token by id, read inside `tx` and locked until it ends (as lockLiveToken). */
    lockToken(tx: Tx, id: string): Promise<CardTokenRow | undefined> {
      const query = tx.selectFrom('card_tokens').selectAll().where('id', '=', id);
      return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
    },

    /** Inserts unless a live token for the same card, scope and type exists; true when this call inserted. */
    async insertTokenIfAbsent(tx: Tx, row: NewCardToken): Promise<boolean> {
      const result = await tx
        .insertInto('card_tokens')
        .values(row)
        .onConflict((oc) => oc.columns(['token_scope_id', 'reuse_token_type', 'fingerprint']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    /**
     * Conditional update: applies only while the row still matches `guard` (the facts the change was decided
     * on), so a concurrent writer can never be silently overwritten. False when the guard no longer holds.
     */
    async updateToken(tx: Tx, id: string, guard: UpdateGuard, changes: CardTokenChanges): Promise<boolean> {
      let query = tx
        .updateTable('card_tokens')
        .set({ ...changes, row_version: sql<number>`row_version + 1` })
        .where('id', '=', id);
      if (guard.rowVersion !== undefined) query = query.where('row_version', '=', guard.rowVersion);
      if (guard.status !== undefined) query = query.where('status', '=', guard.status);
      if (guard.fingerprint !== undefined) query = query.where('fingerprint', '=', guard.fingerprint);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Tokens whose expiry date is before `expiredBefore` (YYYY-MM-DD) and whose sealed card still exists, earliest
     * expiry first: what the retention job (token-expiry.ts) destroys. Deleted tokens have no sealed card.
     */
    listExpiredSealedTokens(expiredBefore: string, limit: number): Promise<CardTokenRow[]> {
      return db
        .selectFrom('card_tokens')
        .selectAll()
        .where('token_expiry_date', '<', expiredBefore)
        .where('card_sealed', 'is not', null)
        .orderBy('token_expiry_date')
        .orderBy('id')
        .limit(limit)
        .execute();
    },

    // --- capture keys ------------------------------------------------------------------------------------

    async insertCaptureKey(tx: Tx, row: Insertable<CaptureKeysTable>): Promise<void> {
      await tx.insertInto('capture_keys').values(row).execute();
    },

    listCaptureKeys(merchantId: string): Promise<PublicCaptureKeyRow[]> {
      return db
        .selectFrom('capture_keys')
        .select(['alias', 'public_key', 'algorithm', 'created_at'])
        .where('merchant_id', '=', merchantId)
        .orderBy('created_at')
        .execute();
    },

    findCaptureKey(merchantId: string, alias: string): Promise<PublicCaptureKeyRow | undefined> {
      return db
        .selectFrom('capture_keys')
        .select(['alias', 'public_key', 'algorithm', 'created_at'])
        .where('alias', '=', alias)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
    },

    /** Deletes one of this merchant's capture keys (its sealed private half with it); false when it is not theirs. */
    async deleteCaptureKey(tx: Tx, merchantId: string, alias: string): Promise<boolean> {
      const result = await tx.deleteFrom('capture_keys').where('alias', '=', alias).where('merchant_id', '=', merchantId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /** The sealed private half of one of this merchant's capture keys; undefined when the alias is not theirs. */
    findSealedCaptureKey(merchantId: string, alias: string): Promise<SealedCaptureKeyRow | undefined> {
      return db
        .selectFrom('capture_keys')
        .select(['private_key_sealed', 'key_version'])
        .where('alias', '=', alias)
        .where('merchant_id', '=', merchantId)
        .executeTakeFirst();
    },

    // --- token requestors --------------------------------------------------------------------------------

    /** Inserts unless the merchant already has a token requestor on that network (or the id is taken); true when inserted. */
    async insertTokenRequestorIfAbsent(tx: Tx, row: TokenRequestorRow): Promise<boolean> {
      const result = await tx
        .insertInto('token_requestors')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    tokenRequestorsOf(merchantId: string): Promise<TokenRequestorRow[]> {
      return db.selectFrom('token_requestors').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('network').execute();
    },

    findTokenRequestor(merchantId: string, network: string): Promise<TokenRequestorRow | undefined> {
      return db.selectFrom('token_requestors').selectAll().where('merchant_id', '=', merchantId).where('network', '=', network).executeTakeFirst();
    },

    findTokenRequestorById(id: string): Promise<TokenRequestorRow | undefined> {
      return db.selectFrom('token_requestors').selectAll().where('id', '=', id).executeTakeFirst();
    },

    // --- scheme tokens (issue 10) ---------------------------------------------------------------------

    findMerchantName(merchantId: string): Promise<string | undefined> {
      return db
        .selectFrom('merchants')
        .select('name')
        .where('id', '=', merchantId)
        .executeTakeFirst()
        .then((row) => row?.name);
    },

    findCardTokenById(id: string): Promise<CardTokenRow | undefined> {
      return db.selectFrom('card_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    },

    findSchemeToken(cardTokenId: string): Promise<SchemeTokenRow | undefined> {
      return db.selectFrom('scheme_tokens').selectAll().where('card_token_id', '=', cardTokenId).executeTakeFirst();
    },

    findSchemeTokenByRef(tokenRef: string): Promise<SchemeTokenRow | undefined> {
      return db.selectFrom('scheme_tokens').selectAll().where('token_ref', '=', tokenRef).executeTakeFirst();
    },

    /** Inserts unless the reuse token already has a scheme token (of any status); true when this call inserted. */
    async insertSchemeTokenIfAbsent(tx: Tx, row: SchemeTokenRow): Promise<boolean> {
      const result = await tx
        .insertInto('scheme_tokens')
        .values(row)
        .onConflict((oc) => oc.column('card_token_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },

    /** Applies `changes` only while the scheme token is still in `status`; false otherwise. */
    async updateSchemeToken(tx: Tx, cardTokenId: string, status: string, changes: SchemeTokenChanges): Promise<boolean> {
      const result = await tx
        .updateTable('scheme_tokens')
        .set(changes)
        .where('card_token_id', '=', cardTokenId)
        .where('status', '=', status)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Applies the network's state only if it is newer than the one stored (a late answer never rolls back). */
    async updateSchemeTokenIfNewer(tx: Tx, cardTokenId: string, networkVersion: number, changes: SchemeTokenChanges): Promise<boolean> {
      const result = await tx
        .updateTable('scheme_tokens')
        .set({ ...changes, network_version: networkVersion })
        .where('card_token_id', '=', cardTokenId)
        .where('network_version', '<', networkVersion)
        .where('status', '!=', 'PENDING')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Removes a scheme token still in `status` (a provisioning that made nothing); false otherwise. */
    async deleteSchemeToken(tx: Tx, cardTokenId: string, status: string): Promise<boolean> {
      const result = await tx.deleteFrom('scheme_tokens').where('card_token_id', '=', cardTokenId).where('status', '=', status).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async insertSchemeOperation(tx: Tx, row: SchemeOperationRow): Promise<void> {
      await tx.insertInto('scheme_token_operations').values(row).execute();
    },

    async settleSchemeOperation(tx: Tx, id: string, outcome: string, settledAt: string): Promise<boolean> {
      const result = await tx
        .updateTable('scheme_token_operations')
        .set({ status: 'settled', outcome, settled_at: settledAt })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    pendingSchemeOperationsOf(cardTokenId: string): Promise<SchemeOperationRow[]> {
      return db
        .selectFrom('scheme_token_operations')
        .selectAll()
        .where('card_token_id', '=', cardTokenId)
        .where('status', '=', 'pending')
        .orderBy('created_at')
        .execute();
    },

    pendingSchemeOperationsBefore(cutoff: string, limit: number): Promise<SchemeOperationRow[]> {
      return db
        .selectFrom('scheme_token_operations')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '<', cutoff)
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },

    async countPendingSchemeOperations(): Promise<number> {
      const row = await db
        .selectFrom('scheme_token_operations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    // --- API keys ----------------------------------------------------------------------------------------

    /** What verifying a Basic credential needs of an API key (one query: see auth/merchant-basic.ts). */
    findApiKeyCredential(apiKeyId: string): Promise<ApiKeyCredentialRow | undefined> {
      return db.selectFrom('api_keys').select(['merchant_id', 'secret_hash', 'revoked_at']).where('id', '=', apiKeyId).executeTakeFirst();
    },
  };
}

export type MerchantDal = ReturnType<typeof createMerchantDal>;
