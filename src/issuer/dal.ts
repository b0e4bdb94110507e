/**
 * All SQL of the issuer side: accounts, issuer cards, PAN references and network tokens. Services receive the
 * narrowed part they use; reads outside a transaction go to the pool, writes take the caller's transaction so
 * that a change, its audit record and its event commit together.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AccountsTable, Database, IssuerCardsTable, NetworkOperationsTable, NetworkTokensTable } from '../store/schema.js';
import { compileOnce } from '../store/compiled-query.js';

export type AccountRow = Selectable<AccountsTable>;
export type IssuerCardRow = Selectable<IssuerCardsTable>;
export type NetworkTokenRow = Selectable<NetworkTokensTable>;
export type NetworkOperationRow = Selectable<NetworkOperationsTable>;

/** How a journal entry was settled. */
export type OperationSettlement = Pick<NetworkOperationRow, 'outcome' | 'result_version' | 'settled_at'>;

/** The columns of a network token that follow the network's answer. */
export type NetworkTokenChanges = Pick<NetworkTokenRow, 'status' | 'suspenders' | 'devices' | 'network_data' | 'network_version' | 'updated_at'>;

type Tx = Transaction<Database>;

export function createIssuerDal(db: Kysely<Database>) {
  /** Ownership is part of every lookup: a token of another account or card is simply not found. */
  const tokenOfAccount = compileOnce<NetworkTokenRow, 'token' | 'card' | 'account'>((param) =>
    db
      .selectFrom('network_tokens')
      .selectAll()
      .where('id', '=', param('token'))
      .where('card_id', '=', param('card') as unknown as number)
      .where('account_id', '=', param('account') as unknown as number),
  );

  return {
    // Accounts

    findAccount: (accountId: number): Promise<AccountRow | undefined> => db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst(),

    async insertAccount(tx: Tx, row: AccountRow): Promise<void> {
      await tx.insertInto('accounts').values(row).execute();
    },

    /** Up to `count` accounts ordered by id, after the id `after` (keyset pagination, see pages.ts). */
    listAccounts(count: number, after?: number): Promise<AccountRow[]> {
      let query = db.selectFrom('accounts').selectAll();
      if (after !== undefined) query = query.where('id', '>', after);
      return query.orderBy('id').limit(count).execute();
    },

    /** Up to `count` cards of an account ordered by id, after the id `after`. */
    listCardsOfAccount(accountId: number, count: number, after?: number): Promise<IssuerCardRow[]> {
      let query = db.selectFrom('issuer_cards').selectAll().where('account_id', '=', accountId);
      if (after !== undefined) query = query.where('id', '>', after);
      return query.orderBy('id').limit(count).execute();
    },

    // Issuer cards

    findCard: (cardId: number): Promise<IssuerCardRow | undefined> => db.selectFrom('issuer_cards').selectAll().where('id', '=', cardId).executeTakeFirst(),

    findCardOfAccount: (accountId: number, cardId: number): Promise<IssuerCardRow | undefined> =>
      db.selectFrom('issuer_cards').selectAll().where('id', '=', cardId).where('account_id', '=', accountId).executeTakeFirst(),

    findCardByFingerprint: (fingerprint: string): Promise<IssuerCardRow | undefined> =>
      db.selectFrom('issuer_cards').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst(),

    async insertCard(tx: Tx, row: IssuerCardRow): Promise<void> {
      await tx.insertInto('issuer_cards').values(row).execute();
    },

    // PAN references (the network's name for a card, learnt when it asks for a decision)

    async rememberPanReference(ref: { panRef: string; cardId: number; network: string }): Promise<void> {
      await db
        .insertInto('pan_references')
        .values({ pan_ref: ref.panRef, card_id: ref.cardId, network: ref.network })
        .onConflict((oc) => oc.column('pan_ref').doNothing())
        .execute();
    },

    /** The card a PAN reference names, with its account; undefined if this issuer never decided on it. */
    async cardOfPanReference(panRef: string): Promise<{ id: number; account_id: number } | undefined> {
      const reference = await db.selectFrom('pan_references').select('card_id').where('pan_ref', '=', panRef).executeTakeFirst();
      if (!reference) return undefined;
      return db.selectFrom('issuer_cards').select(['id', 'account_id']).where('id', '=', reference.card_id).executeTakeFirstOrThrow();
    },

    // Network tokens

    async findTokenOfAccount(accountId: number, cardId: number, tokenId: string): Promise<NetworkTokenRow | undefined> {
      const { rows } = await db.executeQuery(tokenOfAccount({ token: tokenId, card: cardId, account: accountId }));
      return rows[0];
    },

    findToken: (tokenId: string): Promise<NetworkTokenRow | undefined> =>
      db.selectFrom('network_tokens').selectAll().where('id', '=', tokenId).executeTakeFirst(),

    findTokenByRef: (tokenRef: string): Promise<NetworkTokenRow | undefined> =>
      db.selectFrom('network_tokens').selectAll().where('token_ref', '=', tokenRef).executeTakeFirst(),

    tokensOfCard: (accountId: number, cardId: number): Promise<NetworkTokenRow[]> =>
      db.selectFrom('network_tokens').selectAll().where('card_id', '=', cardId).where('account_id', '=', accountId).orderBy('created_at').execute(),

    async tokenIdsOfCard(accountId: number, cardId: number): Promise<string[]> {
      const rows = await db.selectFrom('network_tokens').select('id').where('card_id', '=', cardId).where('account_id', '=', accountId).execute();
      return rows.map((row) => row.id);
    },

    /** The token as this transaction sees it. */
    readToken: (tx: Tx, tokenId: string): Promise<NetworkTokenRow> =>
      tx.selectFrom('network_tokens').selectAll().where('id', '=', tokenId).executeTakeFirstOrThrow(),

    /** Compare-and-set: writes only if the token is still at `expectedVersion`; whether it wrote. */
    async updateTokenAtVersion(tx: Tx, tokenId: string, expectedVersion: number, changes: NetworkTokenChanges): Promise<boolean> {
      const result = await tx
        .updateTable('network_tokens')
        .set(changes)
        .where('id', '=', tokenId)
        .where('network_version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertToken(tx: Tx, row: NetworkTokenRow): Promise<void> {
      await tx.insertInto('network_tokens').values(row).execute();
    },

    /** Tokens the network may still change (every status but the terminal one), by id after `afterId`. */
    async liveTokens(afterId: string, limit: number): Promise<NetworkTokenRow[]> {
      return db.selectFrom('network_tokens').selectAll().where('status', '!=', 'DEACTIVATED').where('id', '>', afterId).orderBy('id').limit(limit).execute();
    },

    // The journal of network operations

    async insertOperation(tx: Tx, row: NetworkOperationRow): Promise<void> {
      await tx.insertInto('network_operations').values(row).execute();
    },

    /** The pending entries of one token, oldest first. */
    pendingOperationsOf: (tokenId: string): Promise<NetworkOperationRow[]> =>
      db.selectFrom('network_operations').selectAll().where('token_id', '=', tokenId).where('status', '=', 'pending').orderBy('created_at').execute(),

    /** Pending entries committed before `before` (ISO time), oldest first. */
    pendingOperationsBefore: (before: string, limit: number): Promise<NetworkOperationRow[]> =>
      db
        .selectFrom('network_operations')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '<', before)
        .orderBy('created_at')
        .limit(limit)
        .execute(),

    async countPendingOperations(): Promise<number> {
      const row = await db
        .selectFrom('network_operations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Settles an entry if it is still pending (compare-and-set); whether this call settled it. */
    async settleOperation(tx: Tx, id: string, settlement: OperationSettlement): Promise<boolean> {
      const result = await tx
        .updateTable('network_operations')
        .set({ status: 'settled', ...settlement })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type IssuerDal = ReturnType<typeof createIssuerDal>;
