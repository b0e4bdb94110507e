/**
 * Bootstrap of issuer data: accounts, their cards (PAN into the vault), and account tokens for the issuer API.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { Conflict, InvalidInput, NotFound, type FieldErrors } from '../errors.js';
import { checkExpiry, detectBrand, normalizeExpiryYear, panLastFour, validatePan } from '../cards/index.js';
import type { SealedData } from '../keys/sealed-data.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Transact } from '../store/transactions.js';
import { recordAudit } from '../ledger/ledger.js';
import type { Clock } from '../clock.js';
import type { AccountTokenIssuer } from './account-token.js';
import { ISSUER_OWNER } from './owner.js';

export interface CreateCardInput {
  pan: string;
  expiry_month: number;
  expiry_year: number;
  cardholder_name: string;
}

/** Sealed part of an issuer card. */
export interface IssuerCardSecret {
  pan: string;
  cardholderName: string;
}

const ORG_ID = /^TN-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ID_ATTEMPTS = 5;

/** Pismo ids are plain numbers; random ones don't reveal how many accounts or cards exist. */
async function withRandomId<T>(digits: number, insert: (id: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const id = randomInt(10 ** (digits - 1), 10 ** digits);
    try {
      return await insert(id);
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= MAX_ID_ATTEMPTS) throw error;
    }
  }
}

export function createIssuerAdmin(deps: { db: Kysely<Database>; transact: Transact; sealed: SealedData; clock: Clock; tokenIssuer: () => Promise<AccountTokenIssuer> }) {
  const { db, transact, sealed, clock } = deps;

  async function findAccount(accountId: number) {
    const account = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
    if (!account) throw new NotFound('account');
    return account;
  }

  return {
    async createAccount(input: { org_id?: string; program_id?: string }) {
      // Checked here as well as by the HTTP schema: the CLI calls this directly, and org_id becomes the JWT tenant.
      const errors: FieldErrors = {};
      if (input.org_id !== undefined && !ORG_ID.test(input.org_id)) errors['body.org_id'] = 'must look like TN-<uuid>';
      if (input.program_id !== undefined && !/^[0-9]{1,10}$/.test(input.program_id)) errors['body.program_id'] = 'must be 1 to 10 digits';
      if (Object.keys(errors).length > 0) throw new InvalidInput(errors);
      const orgId = input.org_id ?? `TN-${randomUUID()}`;
      const programId = input.program_id ?? String(randomInt(1000, 10000));
      return withRandomId(9, async (id) => {
        await transact(async (tx) => {
          await tx.insertInto('accounts').values({ id, org_id: orgId, program_id: programId, status: 'ACTIVE', created_at: clock().toISOString() }).execute();
          await recordAudit(tx, { actor: 'admin', action: 'account.created', objectType: 'account', objectId: String(id) }, clock());
        });
        return { account_id: id, org_id: orgId, program_id: programId };
      });
    },

    async createCard(accountId: number, input: CreateCardInput) {
      await findAccount(accountId);
      const errors: FieldErrors = {};
      const check = validatePan(input.pan);
      if (!check.ok) errors['body.pan'] = check.reason === 'luhn' ? 'fails the Luhn check' : 'must be 12 to 19 digits';
      const expiry = checkExpiry(input.expiry_month, input.expiry_year, clock());
      if (expiry === 'invalid') errors['body.expiry_year'] = 'is not a possible expiry date';
      if (expiry === 'expired') errors['body.expiry_year'] = 'the card has expired';
      if (!input.cardholder_name.trim() || input.cardholder_name.length > 30) errors['body.cardholder_name'] = 'must be 1 to 30 characters';
      if (Object.keys(errors).length > 0) throw new InvalidInput(errors);

      const fingerprint = await sealed.panFingerprint(ISSUER_OWNER, input.pan);
      const existing = await db.selectFrom('issuer_cards').select('id').where('fingerprint', '=', fingerprint).executeTakeFirst();
      if (existing) throw new Conflict('a card with this PAN already exists');
      return withRandomId(8, async (id) => {
        const secret: IssuerCardSecret = { pan: input.pan, cardholderName: input.cardholder_name };
        const seal = await sealed.seal(ISSUER_OWNER, `card:${id}`, secret);
        await transact(async (tx) => {
          await tx
            .insertInto('issuer_cards')
            .values({
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
            })
            .execute();
          await recordAudit(tx, { actor: 'admin', action: 'card.created', objectType: 'card', objectId: String(id), detail: { account_id: accountId } }, clock());
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

export type IssuerAdmin = ReturnType<typeof createIssuerAdmin>;
