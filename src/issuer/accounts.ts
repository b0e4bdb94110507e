/**
 * Accounts and their cards (PAN into the vault), and account tokens for the issuer API: the issuer side's
 * bootstrap, called by the admin API and the CLI.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Conflict, InvalidInput, IssueList, NotFound } from '../errors.js';
import { checkExpiry, detectBrand, normalizeExpiryYear, panLastFour, validatePan } from '../cards/index.js';
import type { SealedData } from '../keys/sealed-data.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Transact } from '../store/transactions.js';
import { recordAudit } from '../ledger/ledger.js';
import type { Clock } from '../clock.js';
import { accountOwner, ISSUER_OWNER } from '../owners.js';
import { withRetry } from '../retry.js';
import type { AccountTokenIssuer } from '../auth/account-token.js';
import type { IssuerDal } from './dal.js';
import type { CreateAccountInput, CreateCardInput, IssuerCardSecret } from './types.js';
import { type Page, type PageRequest, pageOf } from '../pages.js';
import type { AccountRow, IssuerCardRow } from './dal.js';

export interface AccountView {
  account_id: number;
  org_id: string;
  program_id: string;
  status: string;
  created_at: string;
}

/** A card as the admin sees it: masked, the BIN and last four digits only, never the PAN. */
export interface CardView {
  card_id: number;
  account_id: number;
  bin: string;
  last_four: string;
  brand: string | null;
  expiry_month: number;
  expiry_year: number;
  status: string;
  created_at: string;
}

const accountView = (row: AccountRow): AccountView => ({
  account_id: row.id,
  org_id: row.org_id,
  program_id: row.program_id,
  status: row.status,
  created_at: row.created_at,
});

/** A page key of a numeric id: anything else is a key this list never handed out, so it starts nowhere. */
function numericKey(after: string | undefined): number | undefined {
  if (after === undefined) return undefined;
  if (!/^\d{1,18}$/.test(after)) throw new InvalidInput({ field: 'query.cursor', reason: 'invalid', message: 'is not a cursor of this list' });
  return Number(after);
}

export type { CreateAccountInput, CreateCardInput, IssuerCardSecret } from './types.js';

const ORG_ID = /^TN-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ID_ATTEMPTS = 5;

/** Pismo ids are plain numbers; random ones don't reveal how many accounts or cards exist. */
function withRandomId<T>(digits: number, insert: (id: number) => Promise<T>): Promise<T> {
  return withRetry(() => insert(randomInt(10 ** (digits - 1), 10 ** digits)), { attempts: MAX_ID_ATTEMPTS, retryOn: isUniqueViolation });
}

export interface IssuerAccountsDeps {
  dal: Pick<IssuerDal, 'findAccount' | 'insertAccount' | 'findCardByFingerprint' | 'insertCard' | 'listAccounts' | 'listCardsOfAccount' | 'findCardOfAccount'>;
  transact: Transact;
  sealed: Pick<SealedData, 'panFingerprint' | 'seal' | 'open'>;
  clock: Clock;
  tokenIssuer: () => Promise<AccountTokenIssuer>;
}

export function createIssuerAccounts(deps: IssuerAccountsDeps) {
  const { dal, transact, sealed, clock } = deps;

  async function findAccount(accountId: number) {
    const account = await dal.findAccount(accountId);
    if (!account) throw new NotFound('account');
    return account;
  }

  /** The BIN is not stored beside the card: it is read from the sealed record, and only its first six digits leave. */
  async function cardView(row: IssuerCardRow): Promise<CardView> {
    const secret = await sealed.open<IssuerCardSecret>(ISSUER_OWNER, `card:${row.id}`, { sealed: row.card_sealed, keyVersion: row.key_version });
    return {
      card_id: row.id,
      account_id: row.account_id,
      bin: secret.pan.slice(0, 6),
      last_four: row.last_four,
      brand: row.brand,
      expiry_month: row.expiry_month,
      expiry_year: row.expiry_year,
      status: row.status,
      created_at: row.created_at,
    };
  }

  return {
    async getAccount(accountId: number): Promise<AccountView> {
      return accountView(await findAccount(accountId));
    },

    async listAccounts({ limit, after }: PageRequest): Promise<Page<AccountView>> {
      return pageOf(await dal.listAccounts(limit + 1, numericKey(after)), limit, (row) => String(row.id), accountView);
    },

    async getCard(accountId: number, cardId: number): Promise<CardView> {
      const row = await dal.findCardOfAccount(accountId, cardId);
      if (!row) throw new NotFound('card');
      return cardView(row);
    },

    async listCards(accountId: number, { limit, after }: PageRequest): Promise<Page<CardView>> {
      await findAccount(accountId);
      const page = pageOf(
        await dal.listCardsOfAccount(accountId, limit + 1, numericKey(after)),
        limit,
        (row) => String(row.id),
        (row) => row,
      );
      return { items: await Promise.all(page.items.map(cardView)), ...(page.next !== undefined ? { next: page.next } : {}) };
    },

    async createAccount(input: CreateAccountInput) {
      // Checked here as well as by the HTTP schema: the CLI calls this directly, and org_id becomes the JWT tenant.
      const issues = new IssueList();
      if (input.org_id !== undefined && !ORG_ID.test(input.org_id)) issues.add('orgId', 'invalid', 'must look like TN-<uuid>');
      if (input.program_id !== undefined && !/^[0-9]{1,10}$/.test(input.program_id)) issues.add('programId', 'invalid', 'must be 1 to 10 digits');
      issues.throwIfAny();
      const orgId = input.org_id ?? `TN-${randomUUID()}`;
      const programId = input.program_id ?? String(randomInt(1000, 10000));
      return withRandomId(9, async (id) => {
        await transact(async (tx) => {
          await dal.insertAccount(tx, { id, org_id: orgId, program_id: programId, status: 'ACTIVE', created_at: clock().toISOString() });
          await recordAudit(tx, { owner: accountOwner(id), actor: 'admin', action: 'account.created', objectType: 'account', objectId: String(id) }, clock());
        });
        return { account_id: id, org_id: orgId, program_id: programId };
      });
    },

    async createCard(accountId: number, input: CreateCardInput) {
      await findAccount(accountId);
      const issues = new IssueList();
      const check = validatePan(input.pan);
      if (!check.ok) issues.add('pan', 'invalid', check.reason === 'luhn' ? 'fails the Luhn check' : 'must be 12 to 19 digits');
      const expiry = checkExpiry(input.expiry_month, input.expiry_year, clock());
      if (expiry === 'invalid') issues.add('expiryYear', 'invalid', 'is not a possible expiry date');
      if (expiry === 'expired') issues.add('expiryYear', 'expired', 'the card has expired');
      if (!input.cardholder_name.trim() || input.cardholder_name.length > 30) issues.add('cardholderName', 'invalid', 'must be 1 to 30 characters');
      issues.throwIfAny();

      const fingerprint = await sealed.panFingerprint(ISSUER_OWNER, input.pan);
      if (await dal.findCardByFingerprint(fingerprint)) throw new Conflict('already_exists', 'a card with this PAN already exists', 'pan');
      return withRandomId(8, async (id) => {
        const secret: IssuerCardSecret = { pan: input.pan, cardholderName: input.cardholder_name };
        const seal = await sealed.seal(ISSUER_OWNER, `card:${id}`, secret);
        await transact(async (tx) => {
          await dal.insertCard(tx, {
            id,
            account_id: accountId,
            fingerprint,
            card_sealed: seal.sealed,
            key_version: seal.keyVersion,
            brand: detectBrand(input.pan) ?? null,
            last_four: panLastFour(input.pan),
            expiry_month: input.expiry_month,
            expiry_year: normalizeExpiryYear(input.expiry_year),
            status: 'ACTIVE',
            created_at: clock().toISOString(),
          });
          await recordAudit(
            tx,
            {
              owner: accountOwner(accountId),
              actor: 'admin',
              action: 'card.created',
              objectType: 'card',
              objectId: String(id),
              detail: { account_id: accountId },
            },
            clock(),
          );
        });
        return { card_id: id };
      });
    },

    async issueAccessToken(accountId: number) {
      const account = await findAccount(accountId);
      const issuer = await deps.tokenIssuer();
      return issuer.issue({ accountId, tenantId: account.org_id });
    },
  };
}

export type IssuerAccounts = ReturnType<typeof createIssuerAccounts>;
