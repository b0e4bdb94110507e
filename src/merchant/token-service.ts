/**
 * The merchant token vault: upsert from client-encrypted card data, read, update, suspend, activate, delete.
 * All business rules of DOMAIN.md section 3 live here; no HTTP, no vendor format, no SQL (see dal.ts). Inputs
 * and views are the domain's own (types.ts); errors name the domain's fields (`tokenScope`, `encryptedCard`, `id`).
 */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '../store/errors.js';
import type { Transact } from '../store/transactions.js';
import { Conflict, InvalidInput, IssueList, NotFound } from '../errors.js';
import { cardBrandOf, checkExpiry, isCardBrand, normalizeExpiryYear, panBin, panLastFour, type BinTable } from '../cards/index.js';
import { formatPreservingToken, preservesFormatOf, randomReuseToken } from '../vault/token-ids.js';
import type { SealedData } from '../keys/sealed-data.js';
import { emitEvent, recordAudit } from '../ledger/ledger.js';
import { addDays, isoDate, type Clock } from '../clock.js';
import { merchantOwner } from '../owners.js';
import { withRetry } from '../retry.js';
import { createKeyedMutex } from '../keyed-mutex.js';
import type { CaptureKeyService } from './capture-key-service.js';
import type { SchemeTokenService } from './scheme-tokens.js';
import { isTokenExpired } from './token-expiry.js';
import { parseCapturedCard, validateCvv, validateHolderName, type CapturedCard } from './card-payload.js';
import type { CardTokenChanges, CardTokenRow, MerchantDal, Tx } from './dal.js';
import { createHolderCache, type HolderFields } from './holder-cache.js';
import type {
  CryptogramInput,
  CryptogramView,
  MerchantCaller,
  ReuseTokenType,
  TokenizeInput,
  TokenStatus,
  TokenType,
  TokenView,
  UpdateTokenInput,
} from './types.js';

/** The sensitive part of a token, stored only sealed. An ANALYTICS-only token has no PAN. */
interface SealedCard {
  pan?: string;
  cardholderName?: string;
  cardHolderEmail?: string;
  sequenceNumber?: string;
  startMonth?: number;
  startYear?: number;
}

const NO_HOLDER_FIELDS: HolderFields = Object.freeze({});
const DEFAULT_TTL_DAYS = 3 * 365;
/** Fresh draws of a format-preserving token that collided with another card's (never a race: see write()). */
const MAX_ATTEMPTS = 10;
/** The contract's shortest token id (`minLength` of every `{id}` path parameter). */
const MIN_TOKEN_ID_LENGTH = 14;
const UUID_FLEXIBLE = /^(?:[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12})$/i;

/**
 * How the audit record of a PATCH names the fields it changed: the stored (snake_case) names audit details use
 * throughout. The CVV and the encrypted card are never named (a relink is recorded as `card`).
 */
const AUDITED_UPDATE_FIELDS: Record<keyof UpdateTokenInput, string | undefined> = {
  encryptedCard: undefined,
  cvv: undefined,
  publicKeyAlias: 'public_key_alias',
  cardHolderName: 'card_holder_name',
  cardHolderEmail: 'card_holder_email',
  expiryMonth: 'expiry_month',
  expiryYear: 'expiry_year',
  tokenExpiryDate: 'token_expiry_date',
  schemeTokenAction: 'scheme_token_action',
};

/** What a PUT writes: an update of the card's live token, or a new token (retiring an expired one). */
type UpsertPlan =
  | { kind: 'update'; existing: CardTokenRow; changes: CardTokenChanges; next: SealedCard }
  | { kind: 'create'; row: CardTokenRow; next: SealedCard; retire?: CardTokenRow };

/** What a PATCH writes, decided from the token as it was read. */
interface UpdatePlan {
  changes: CardTokenChanges;
  next: SealedCard;
  audited: string[];
}

/** Whether two reads of a row saw the same version of it (both absent included). */
const sameRow = (a: CardTokenRow | undefined, b: CardTokenRow | undefined) =>
  a === undefined || b === undefined ? a === b : a.id === b.id && a.row_version === b.row_version;

/** A guarded update that did not apply although its row was locked: a bug, never a lost race. */
const changedUnderLock = () => new Error('merchant token changed while its row was locked');

export interface MerchantTokenDeps {
  dal: Pick<MerchantDal, 'findScope' | 'findTokenByReuseToken' | 'findLiveToken' | 'lockLiveToken' | 'lockToken' | 'insertTokenIfAbsent' | 'updateToken'>;
  transact: Transact;
  sealed: SealedData;
  captureKeys: Pick<CaptureKeyService, 'decryptor'>;
  binTable: BinTable;
  clock: Clock;
  /** Scheme (network) tokens of reuse tokens (issue 10); without it every scheme_token_action is refused. */
  schemeTokens?: Pick<SchemeTokenService, 'act' | 'deleteFor' | 'view' | 'networkOf' | 'cryptogram'>;
}

export function createMerchantTokenService(deps: MerchantTokenDeps) {
  const { dal, transact, sealed, captureKeys, binTable, clock, schemeTokens } = deps;
  const holders = createHolderCache();
  const upserts = createKeyedMutex();
  /** Per token id: PATCH, suspend/activate, delete and the update half of a PUT. */
  const tokenWrites = createKeyedMutex();

  const includesReuse = (t: string) => t === 'REUSE' || t === 'REUSE_AND_ANALYTICS';
  const includesAnalytics = (t: string) => t === 'ANALYTICS' || t === 'REUSE_AND_ANALYTICS';
  const unionType = (a: string, b: string): TokenType => {
    const reuse = includesReuse(a) || includesReuse(b);
    const analytics = includesAnalytics(a) || includesAnalytics(b);
    return reuse && analytics ? 'REUSE_AND_ANALYTICS' : reuse ? 'REUSE' : 'ANALYTICS';
  };
  const isExpired = (row: Pick<CardTokenRow, 'token_expiry_date'>) => isTokenExpired(row, clock());
  const actor = (caller: MerchantCaller) => `merchant:${caller.merchantId}/key:${caller.apiKeyId}`;

  function checkTokenExpiryDate(value: string | undefined, errors: IssueList): void {
    if (value === undefined) return;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || isoDate(new Date(`${value}T00:00:00Z`)) !== value) {
      errors.add('tokenExpiryDate', 'invalid', 'must be a date (YYYY-MM-DD)');
    } else if (value < isoDate(clock())) {
      errors.add('tokenExpiryDate', 'expired', 'must not be in the past');
    }
  }

  async function decryptCard(merchantId: string, alias: string, blob: string): Promise<CapturedCard> {
    const decryptor = await captureKeys.decryptor(merchantId, alias);
    if (!decryptor) throw new InvalidInput({ field: 'publicKeyAlias', reason: 'unknown', message: 'is not a capture key of this merchant' });
    const result = await decryptor.decrypt(blob);
    if (!result.ok) {
      const reason = {
        malformed: 'must be the base64 encoding of an ASCII-armored OpenPGP message',
        wrong_key: 'was not encrypted to the capture key named by public_key_alias',
        corrupt: 'could not be decrypted: the message is damaged or was altered',
      }[result.reason];
      throw new InvalidInput({ field: 'encryptedCard', reason: 'invalid', message: reason });
    }
    return parseCapturedCard(result.plaintext, clock());
  }

  async function openCard(row: CardTokenRow): Promise<SealedCard> {
    if (row.card_sealed === null || row.key_version === null) return {};
    return sealed.open<SealedCard>(merchantOwner(row.merchant_id), row.id, { sealed: row.card_sealed, keyVersion: row.key_version });
  }

  /** The holder fields a read shows, from the memo of opened cards while the sealed value is unchanged. */
  async function holderFields(row: CardTokenRow): Promise<HolderFields> {
    if (row.card_sealed === null || row.key_version === null) return NO_HOLDER_FIELDS;
    const known = holders.get(row.id, row.merchant_id, row.card_sealed, row.key_version);
    if (known !== undefined) return known;
    return holders.set(row.id, row.merchant_id, row.card_sealed, row.key_version, await openCard(row));
  }

  // Plain assignments rather than conditional spreads: this runs on every read (see responses.ts).
  function toView(row: CardTokenRow, card: HolderFields): TokenView {
    const binRecord = binTable.lookup(row.bin);
    const brand = row.brand ?? binRecord?.brand;
    const view: TokenView = {
      tokenType: row.token_type as TokenType,
      reuseTokenType: row.reuse_token_type as ReuseTokenType,
      tokenScope: row.token_scope_id,
      // The contract has no EXPIRED: an expired token is as final as a deleted one and reads so (token-expiry.ts).
      status: (row.status !== 'DELETED' && isExpired(row) ? 'DELETED' : row.status) as TokenStatus,
      bin: row.bin,
      lastFour: row.last_four,
      expiryMonth: row.expiry_month,
      expiryYear: row.expiry_year,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      tokenExpiryDate: row.token_expiry_date,
    };
    if (row.reuse_token) view.reuseToken = row.reuse_token;
    if (row.analytics_token && includesAnalytics(row.token_type)) view.analyticsToken = row.analytics_token;
    if (brand) view.brand = brand;
    if (card.cardholderName) view.cardHolderName = card.cardholderName;
    if (card.cardHolderEmail) view.cardHolderEmail = card.cardHolderEmail;
    if (binRecord) view.binRecord = binRecord;
    return view;
  }

  function resolveBrand(requested: string | undefined, card: CapturedCard, errors: IssueList): string | undefined {
    if (requested === undefined) return cardBrandOf(card.brand, binTable.lookup(card.pan));
    const brand = requested.toUpperCase();
    if (!/^[A-Z0-9_]{2,20}$/.test(brand)) {
      errors.add('cardBrand', 'invalid', 'must be a scheme name such as VISA, MASTERCARD, AMEX, CB');
    } else if (brand === 'CB') {
      // Cartes Bancaires is co-badged on Visa and Mastercard ranges; it has no range of its own.
      if (card.brand && card.brand !== 'VISA' && card.brand !== 'MASTERCARD') errors.add('cardBrand', 'conflict', 'does not match the card number');
    } else if (isCardBrand(brand) && card.brand && brand !== card.brand) {
      errors.add('cardBrand', 'conflict', 'does not match the card number');
    }
    return brand;
  }

  async function record(
    tx: Tx,
    caller: MerchantCaller,
    action: string,
    row: CardTokenRow,
    before: string | null,
    after: string | null,
    detail?: Record<string, unknown>,
  ) {
    const at = clock();
    await recordAudit(
      tx,
      {
        owner: merchantOwner(caller.merchantId),
        actor: actor(caller),
        action,
        objectType: 'card_token',
        objectId: row.id,
        statusBefore: before,
        statusAfter: after,
        ...(detail ? { detail } : {}),
      },
      at,
    );
    await emitEvent(
      tx,
      {
        type: action,
        owner: merchantOwner(caller.merchantId),
        // The token as the merchant knows it (analytics-only tokens have no reuse token: their id).
        subject: row.reuse_token ?? row.id,
        data: { merchant_id: caller.merchantId, token_scope: row.token_scope_id, reuse_token: row.reuse_token, token_status: after },
      },
      at,
    );
  }

  async function findOwned(caller: MerchantCaller, reuseToken: string): Promise<CardTokenRow> {
    const row = await dal.findTokenByReuseToken(caller.merchantId, reuseToken);
    if (!row) throw new NotFound('token');
    return row;
  }

  function assertUsable(row: CardTokenRow): void {
    if (row.status === 'DELETED') throw new Conflict('deleted', 'the token is deleted', 'id');
    if (isExpired(row)) throw new Conflict('expired', 'the token has expired', 'id');
  }

  /** Adds the token's scheme token, for scopes with network tokens or PAR. */
  async function withSchemeToken(view: TokenView, row: CardTokenRow, scope: { network_tokens: number; par: number } | undefined): Promise<TokenView> {
    if (!schemeTokens || !scope || (!scope.network_tokens && !scope.par)) return view;
    const scheme = await schemeTokens.view(row, scope);
    if (scheme) view.schemeToken = scheme;
    return view;
  }

  return {
    async createOrUpdate(caller: MerchantCaller, input: TokenizeInput): Promise<TokenView> {
      const errors = new IssueList();
      const tokenType: TokenType = input.tokenType ?? 'REUSE';
      const reuseTokenType: ReuseTokenType = input.reuseTokenType ?? 'INTERNAL';
      // UUIDs are case-insensitive; scope ids are stored in the lower-case form randomUUID() gives.
      const scopeId = input.tokenScope.toLowerCase();
      const scope = UUID_FLEXIBLE.test(scopeId) ? await dal.findScope(caller.merchantId, scopeId) : undefined;
      if (!scope) errors.add('tokenScope', 'unknown', 'is not a token scope of this merchant');
      const context = input.tokenContext ?? {};
      for (const key of ['entityId', 'paymentProviderContract'] as const) {
        const value = context[key];
        if (value !== undefined && !UUID_FLEXIBLE.test(value)) errors.add(`tokenContext.${key}`, 'invalid', 'must be a UUID');
      }
      if (reuseTokenType !== 'INTERNAL' && !context.entityId && !context.paymentProviderContract) {
        errors.add('tokenContext', 'required', `is required for ${reuseTokenType} tokens, with entity_id or payment_provider_contract`);
      }
      checkTokenExpiryDate(input.tokenExpiryDate, errors);
      errors.throwIfAny();

      const card = await decryptCard(caller.merchantId, input.publicKeyAlias, input.encryptedCard);
      const cardErrors = new IssueList();
      const brand = resolveBrand(input.cardBrand, card, cardErrors);
      if (reuseTokenType !== 'INTERNAL' && includesReuse(tokenType) && card.pan.length < MIN_TOKEN_ID_LENGTH) {
        // A format-preserving token is as long as the card number, and the API could not address a shorter one.
        cardErrors.add(
          'reuseTokenType',
          'unsupported',
          `${reuseTokenType} tokens are as long as the card number and token ids have at least ${MIN_TOKEN_ID_LENGTH} characters: use INTERNAL for a ${card.pan.length}-digit card`,
        );
      }
      cardErrors.throwIfAny();

      const owner = merchantOwner(caller.merchantId);
      const fingerprint = await sealed.panFingerprint(owner, card.pan);
      const analytics = includesAnalytics(tokenType) ? await sealed.analyticsToken(owner, card.pan) : null;
      const now = clock();
      const defaultExpiry = isoDate(addDays(now, scope!.token_ttl_days ?? DEFAULT_TTL_DAYS));
      const cardFields: SealedCard = {
        ...(card.cardholderName !== undefined ? { cardholderName: card.cardholderName } : {}),
        ...(card.sequenceNumber !== undefined ? { sequenceNumber: card.sequenceNumber } : {}),
        ...(card.startMonth !== undefined ? { startMonth: card.startMonth } : {}),
        ...(card.startYear !== undefined ? { startYear: card.startYear } : {}),
      };

      /** What this PUT writes, decided from the live token it found (or its absence). Crypto only, no SQL. */
      const plan = async (existing: CardTokenRow | undefined): Promise<UpsertPlan> => {
        if (existing && !isExpired(existing)) {
          const mergedType = unionType(existing.token_type, tokenType);
          const previous = await openCard(existing);
          const next: SealedCard = { ...previous, ...cardFields, ...(includesReuse(mergedType) ? { pan: card.pan } : {}) };
          const seal = await sealed.seal(owner, existing.id, next);
          const changes: CardTokenChanges = {
            token_type: mergedType,
            reuse_token:
              existing.reuse_token ??
              (includesReuse(mergedType) ? (reuseTokenType === 'INTERNAL' ? randomReuseToken() : formatPreservingToken(card.pan)) : null),
            analytics_token: existing.analytics_token ?? analytics,
            card_sealed: seal.sealed,
            key_version: seal.keyVersion,
            // A brand the merchant chose (e.g. CB on a co-badged card) stays until the merchant names another.
            brand: input.cardBrand !== undefined ? brand : (existing.brand ?? brand),
            expiry_month: card.expiryMonth,
            expiry_year: card.expiryYear,
            token_expiry_date: input.tokenExpiryDate ?? existing.token_expiry_date,
            entity_id: context.entityId ?? existing.entity_id,
            payment_provider_contract: context.paymentProviderContract ?? existing.payment_provider_contract,
            updated_at: now.toISOString(),
          };
          return { kind: 'update', existing, changes, next };
        }
        const id = randomUUID();
        const next: SealedCard = { ...cardFields, ...(includesReuse(tokenType) ? { pan: card.pan } : {}) };
        const seal = await sealed.seal(owner, id, next);
        const row: CardTokenRow = {
          id,
          merchant_id: caller.merchantId,
          token_scope_id: scope!.id,
          reuse_token: includesReuse(tokenType) ? (reuseTokenType === 'INTERNAL' ? randomReuseToken() : formatPreservingToken(card.pan)) : null,
          analytics_token: analytics,
          token_type: tokenType,
          reuse_token_type: reuseTokenType,
          fingerprint,
          status: 'ACTIVE',
          card_sealed: seal.sealed,
          key_version: seal.keyVersion,
          bin: panBin(card.pan),
          last_four: panLastFour(card.pan),
          brand: brand ?? null,
          expiry_month: card.expiryMonth,
          expiry_year: card.expiryYear,
          token_expiry_date: input.tokenExpiryDate ?? defaultExpiry,
          entity_id: context.entityId ?? null,
          payment_provider_contract: context.paymentProviderContract ?? null,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
          row_version: 1,
        };
        return { kind: 'create', row, next, ...(existing ? { retire: existing } : {}) };
      };

      /** Writes the plan made from `seen` in one transaction, under the lock of the card's row. */
      const write = async (seen: CardTokenRow | undefined, planned: UpsertPlan): Promise<TokenView> => {
        const done = await transact(async (tx): Promise<{ row: CardTokenRow; next: SealedCard }> => {
          const locked = await dal.lockLiveToken(tx, scope!.id, reuseTokenType, fingerprint);
          // The usual case: nothing changed since the plan was made. Otherwise another instance wrote this card
          // meanwhile, and the plan is made again from the row as it is now, while it is locked.
          let chosen = sameRow(locked, seen) ? planned : await plan(locked);
          if (chosen.kind === 'create') {
            const { retire } = chosen;
            if (retire) {
              // An expired token is dead: it gives up the card so that a fresh token can take it.
              if (!(await dal.updateToken(tx, retire.id, { fingerprint }, { fingerprint: null, updated_at: chosen.row.updated_at }))) throw changedUnderLock();
              await record(tx, caller, 'merchant.token.retired', retire, retire.status, retire.status, { reason: 'expired' });
            }
            if (await dal.insertTokenIfAbsent(tx, chosen.row)) {
              await record(tx, caller, 'merchant.token.created', chosen.row, null, 'ACTIVE');
              return { row: chosen.row, next: chosen.next };
            }
            // There was no row to lock and another instance inserted the card first (the insert waited for its
            // commit): its token is the card's token, brought up to date with this request.
            const winner = await dal.lockLiveToken(tx, scope!.id, reuseTokenType, fingerprint);
            if (!winner) throw changedUnderLock();
            chosen = await plan(winner);
            if (chosen.kind !== 'update') throw changedUnderLock();
          }
          const { existing, changes, next } = chosen;
          if (!(await dal.updateToken(tx, existing.id, { fingerprint, rowVersion: existing.row_version }, changes))) throw changedUnderLock();
          holders.forget(existing.id);
          const row = { ...existing, ...changes, row_version: existing.row_version + 1 } as CardTokenRow;
          await record(tx, caller, 'merchant.token.updated', row, existing.status, row.status, { via: 'upsert' });
          return { row, next };
        });
        return toView(done.row, done.next);
      };

      // Writers of one card (and of one token) are serialized in this process, so the plan made outside the
      // transaction is the one written; across instances, the row lock in `write` serializes them instead.
      const cardKey = `${scope!.id}:${reuseTokenType}:${fingerprint}`;
      return upserts.run(cardKey, () =>
        // Retried: only a format-preserving token that collided with another card's (a fresh draw is the remedy).
        withRetry(
          async () => {
            const found = await dal.findLiveToken(scope!.id, reuseTokenType, fingerprint);
            if (!found) return write(undefined, await plan(undefined));
            return tokenWrites.run(found.id, async () => {
              const seen = await dal.findLiveToken(scope!.id, reuseTokenType, fingerprint);
              return write(seen, await plan(seen));
            });
          },
          { attempts: MAX_ATTEMPTS, retryOn: isUniqueViolation },
        ),
      );
    },

    /** A single-use cryptogram for the token's scheme token (Tessera extension). */
    async cryptogram(caller: MerchantCaller, reuseToken: string, input: CryptogramInput): Promise<CryptogramView> {
      const row = await findOwned(caller, reuseToken);
      assertUsable(row);
      if (!schemeTokens) throw new InvalidInput({ field: 'id', reason: 'unsupported', message: 'scheme tokens are not available' });
      return schemeTokens.cryptogram(caller, row, input);
    },

    async get(caller: MerchantCaller, reuseToken: string): Promise<TokenView> {
      const row = await findOwned(caller, reuseToken);
      const view = toView(row, await holderFields(row));
      if (!schemeTokens) return view;
      return withSchemeToken(view, row, await dal.findScope(caller.merchantId, row.token_scope_id));
    },

    async update(caller: MerchantCaller, reuseToken: string, input: UpdateTokenInput): Promise<TokenView> {
      const first = await findOwned(caller, reuseToken);
      assertUsable(first);
      // A token never changes scope (nor card brand): what its scope allows is looked up once.
      const scope = await dal.findScope(caller.merchantId, first.token_scope_id);
      let schemeIssue: string | undefined;
      if (input.schemeTokenAction !== undefined) {
        if (!scope?.network_tokens || !schemeTokens) schemeIssue = 'the token scope of this token does not enable network tokens';
        else if (!includesReuse(first.token_type)) schemeIssue = 'only a REUSE token can have a scheme token';
        else {
          try {
            schemeTokens.networkOf(first);
          } catch (error) {
            if (!(error instanceof InvalidInput)) throw error;
            schemeIssue = error.issues[0]!.message;
          }
        }
      }
      // The new card is decrypted once, however many times the change is planned.
      let decrypted: Promise<CapturedCard> | undefined;
      const decryptOnce = () => (decrypted ??= decryptCard(caller.merchantId, input.publicKeyAlias!, input.encryptedCard!));

      /** Validates the PATCH against the token as `row` is, and decides what it writes. Crypto only, no SQL. */
      const plan = async (row: CardTokenRow): Promise<UpdatePlan> => {
        assertUsable(row);
        const errors = new IssueList();
        if (schemeIssue !== undefined) errors.add('schemeTokenAction', 'unsupported', schemeIssue);
        if (input.encryptedCard !== undefined && input.publicKeyAlias === undefined) {
          errors.add('publicKeyAlias', 'required', 'is required with encrypted_card');
        }
        if (input.cvv !== undefined && input.encryptedCard === undefined) {
          // Validated so the caller learns of a typo, then dropped: CVV is never stored (PCI DSS 3.3).
          // With a new encrypted card the CVV belongs to that card and is checked once it is decrypted.
          const problem = validateCvv(input.cvv, row.brand ?? undefined);
          if (problem) errors.add('cvv', 'invalid', problem);
        }
        if (input.cardHolderName !== undefined) {
          const problem = validateHolderName(input.cardHolderName);
          if (problem) errors.add('cardHolderName', 'invalid', problem);
        }
        // The expiry the token ends up with: the fields sent, else the new card's (checked once it is decrypted), else the stored one.
        const checkResultingExpiry = (month: number, year: number, into: IssueList) => {
          if (input.expiryMonth === undefined && input.expiryYear === undefined) return;
          const check = checkExpiry(input.expiryMonth ?? month, input.expiryYear ?? year, clock());
          const field = input.expiryYear !== undefined ? 'expiryYear' : 'expiryMonth';
          if (check === 'invalid') into.add(field, 'invalid', 'is not a possible expiry date');
          if (check === 'expired') into.add(field, 'expired', 'the card would be expired');
        };
        if (input.encryptedCard === undefined) checkResultingExpiry(row.expiry_month, row.expiry_year, errors);
        checkTokenExpiryDate(input.tokenExpiryDate, errors);
        errors.throwIfAny();

        const owner = merchantOwner(caller.merchantId);
        const card = input.encryptedCard !== undefined ? await decryptOnce() : undefined;
        if (card) {
          const cardErrors = new IssueList();
          if (input.cvv !== undefined) {
            const problem = validateCvv(input.cvv, card.brand ?? binTable.lookup(card.pan)?.brand);
            if (problem) cardErrors.add('cvv', 'invalid', problem);
          }
          checkResultingExpiry(card.expiryMonth, card.expiryYear, cardErrors);
          if (row.reuse_token_type !== 'INTERNAL' && row.reuse_token !== null && !preservesFormatOf(row.reuse_token, card.pan)) {
            cardErrors.add(
              'encryptedCard',
              'conflict',
              `a ${row.reuse_token_type} token keeps the first six and last four digits of its card number: tokenize this card with PUT instead`,
            );
          }
          cardErrors.throwIfAny();
        }
        const previous = await openCard(row);
        const next: SealedCard = { ...previous };
        const changes: CardTokenChanges = { updated_at: clock().toISOString() };
        if (card) {
          // Relink: the token now stands for another card. Its fingerprint and analytics token follow the PAN.
          if (includesReuse(row.token_type)) next.pan = card.pan;
          if (card.cardholderName !== undefined) next.cardholderName = card.cardholderName;
          changes.fingerprint = await sealed.panFingerprint(owner, card.pan);
          if (includesAnalytics(row.token_type)) changes.analytics_token = await sealed.analyticsToken(owner, card.pan);
          changes.bin = panBin(card.pan);
          changes.last_four = panLastFour(card.pan);
          changes.brand = cardBrandOf(card.brand, binTable.lookup(card.pan)) ?? null;
          changes.expiry_month = card.expiryMonth;
          changes.expiry_year = card.expiryYear;
        }
        if (input.cardHolderName !== undefined) next.cardholderName = input.cardHolderName;
        if (input.cardHolderEmail !== undefined) next.cardHolderEmail = input.cardHolderEmail;
        if (input.expiryMonth !== undefined) changes.expiry_month = input.expiryMonth;
        if (input.expiryYear !== undefined) changes.expiry_year = normalizeExpiryYear(input.expiryYear);
        if (input.tokenExpiryDate !== undefined) changes.token_expiry_date = input.tokenExpiryDate;
        const seal = await sealed.seal(owner, row.id, next);
        changes.card_sealed = seal.sealed;
        changes.key_version = seal.keyVersion;
        // In the order the caller gave them; never the CVV nor the card itself.
        const audited = (Object.keys(input) as Array<keyof UpdateTokenInput>).flatMap((key) => AUDITED_UPDATE_FIELDS[key] ?? []);
        return { changes, next, audited: audited.concat(card ? ['card'] : []) };
      };

      // PATCHes of one token are serialized in this process, and across instances by the row lock below; each
      // answers the state it produced, planned from the state it found.
      return tokenWrites.run(first.id, async () => {
        const seen = await findOwned(caller, reuseToken);
        if (seen.id !== first.id) throw new NotFound('token');
        const planned = await plan(seen);
        if (input.schemeTokenAction !== undefined && schemeTokens && scope) {
          // Through the network before the other changes commit: a decline or a failure leaves the token as it was.
          await schemeTokens.act(caller, { row: seen, scope, pan: planned.next.pan ?? '' }, input.schemeTokenAction);
          // A PATCH that only acts on the scheme token changes nothing of the reuse token (the scheme token service
          // audited its own change): no write, so concurrent ACTIVATEs never race on the token's row.
          if (Object.keys(input).every((key) => key === 'schemeTokenAction')) {
            return withSchemeToken(toView(seen, await holderFields(seen)), seen, scope);
          }
        }
        try {
          const done = await transact(async (tx) => {
            const locked = await dal.lockToken(tx, seen.id);
            if (!locked) throw new NotFound('token');
            const chosen = sameRow(locked, seen) ? planned : await plan(locked);
            if (!(await dal.updateToken(tx, locked.id, { rowVersion: locked.row_version }, chosen.changes))) throw changedUnderLock();
            holders.forget(locked.id);
            const after = { ...locked, ...chosen.changes, row_version: locked.row_version + 1 } as CardTokenRow;
            await record(tx, caller, 'merchant.token.updated', after, locked.status, after.status, { fields: chosen.audited });
            return { after, next: chosen.next };
          });
          return withSchemeToken(toView(done.after, done.next), done.after, scope);
        } catch (error) {
          if (isUniqueViolation(error)) throw new Conflict('already_exists', 'this card already has another token in this token scope', 'encryptedCard');
          throw error;
        }
      });
    },

    async setStatus(caller: MerchantCaller, reuseToken: string, status: 'ACTIVE' | 'SUSPENDED'): Promise<void> {
      const seen = await findOwned(caller, reuseToken);
      await tokenWrites.run(seen.id, () =>
        transact(async (tx) => {
          // Decided on the row as it is now, locked: concurrent calls apply one after the other.
          const row = await dal.lockToken(tx, seen.id);
          if (!row) throw new NotFound('token');
          assertUsable(row);
          if (row.status === status) return;
          if (!(await dal.updateToken(tx, row.id, { rowVersion: row.row_version }, { status, updated_at: clock().toISOString() }))) throw changedUnderLock();
          await record(tx, caller, status === 'ACTIVE' ? 'merchant.token.activated' : 'merchant.token.suspended', row, row.status, status);
        }),
      );
    },

    async delete(caller: MerchantCaller, reuseToken: string): Promise<void> {
      const seen = await findOwned(caller, reuseToken);
      await tokenWrites.run(seen.id, async () => {
        // Its scheme token goes first, at the network: a reuse token is never deleted with a live network token left.
        if (seen.status !== 'DELETED') await schemeTokens?.deleteFor(caller, seen);
        await transact(async (tx) => {
          const row = await dal.lockToken(tx, seen.id);
          if (!row) throw new NotFound('token');
          if (row.status === 'DELETED') return;
          // Irreversible: the sealed card is destroyed and the card may be tokenized afresh.
          const destroyed = { status: 'DELETED', card_sealed: null, key_version: null, fingerprint: null, updated_at: clock().toISOString() };
          if (!(await dal.updateToken(tx, row.id, { rowVersion: row.row_version }, destroyed))) throw changedUnderLock();
          holders.forget(row.id);
          await record(tx, caller, 'merchant.token.deleted', row, row.status, 'DELETED');
        });
      });
    },
  };
}

export type MerchantTokenService = ReturnType<typeof createMerchantTokenService>;
