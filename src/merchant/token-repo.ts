/**
 * Queries over merchant card tokens, token scopes and capture keys. The only place merchant SQL lives.
 */
import { sql, type Kysely, type Selectable, type Updateable, type Insertable } from 'kysely';
import type { CardTokensTable, CaptureKeysTable, Database, TokenScopesTable } from '../store/schema.js';
import type { Executor as Tx } from '../store/transactions.js';
import { compileOnce } from '../store/compiled-query.js';

export type CardTokenRow = Selectable<CardTokensTable>;
export type TokenScopeRow = Selectable<TokenScopesTable>;
export type CaptureKeyRow = Selectable<CaptureKeysTable>;

/** What must still be true of a row for an update to apply. */
export interface UpdateGuard {
  rowVersion?: number;
  status?: string;
  fingerprint?: string;
}

const first = <Row>(result: { rows: Row[] }): Row | undefined => result.rows[0];

export function createTokenRepo(db: Kysely<Database>) {
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

  return {
    findScope(merchantId: string, scopeId: string): Promise<TokenScopeRow | undefined> {
      return db.executeQuery(scopeById({ id: scopeId, merchant: merchantId })).then(first);
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
      return tx.executeQuery(tokenByReuseToken({ reuseToken, merchant: merchantId })).then(first);
    },

    findLive(tx: Tx, scopeId: string, reuseTokenType: string, fingerprint: string): Promise<CardTokenRow | undefined> {
      return tx.executeQuery(liveToken({ scope: scopeId, type: reuseTokenType, fingerprint })).then(first);
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

    /**
     * Conditional update: applies only while the row still matches `guard` (the facts the change was decided
     * on), so a concurrent writer can never be silently overwritten. False when the guard no longer holds.
     */
    async update(tx: Tx, id: string, guard: UpdateGuard, changes: Updateable<CardTokensTable>): Promise<boolean> {
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
  };
}

export type TokenRepo = ReturnType<typeof createTokenRepo>;
