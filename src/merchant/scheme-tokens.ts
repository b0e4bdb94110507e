/**
 * Merchant scheme tokens (issue 10): the card-on-file network token Tessera, as its merchants' token service
 * provider, holds for a reuse token. ACTIVATE asks the card's network (by brand: Visa → vts, Mastercard → mdes)
 * for a token under the merchant's token requestor id (or, for a merchant that is not a token requestor on that
 * network, the network's card-on-file requestor, when the merchant is shown only the status); the network asks the
 * card's issuer.
 *
 * Journaled as the issuer side's operations are (issuer/journal.ts): the intent, a `PENDING` scheme token and its
 * journal entry, commits before the network is called, under the idempotency key the call carries. The answer
 * settles it in one transaction with the audit record and the event: approved → `VALID`; declined → the pending
 * token is removed (nothing half-made remains). A timeout or a network error leaves both pending: a repeated
 * ACTIVATE resends the same key (the network answers its first answer, so concurrent ACTIVATEs converge on one
 * network token) and the reconciler settles the rest by asking the network for the key's answer (none: nothing
 * was made, the pending token is removed).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { Conflict, InvalidInput, NetworkFailure } from '../errors.js';
import type { SealedData } from '../keys/sealed-data.js';
import { createKeyedMutex } from '../keyed-mutex.js';
import { emitEvent, recordAudit } from '../ledger/ledger.js';
import type { TokenRequestorGateway } from '../network/gateway.js';
import { networkOfBrand, providerOf } from '../network/providers.js';
import type { CardOnFileOutcome, NetworkToken, NetworkTokenStatus, PaymentNetwork, TokenRequestorLifecycleRequest } from '../network/types.js';
import { merchantOwner } from '../owners.js';
import type { Transact } from '../store/transactions.js';
import type { CardTokenRow, MerchantDal, SchemeOperationRow, SchemeTokenRow, TokenScopeRow, Tx } from './dal.js';
import type { CryptogramInput, CryptogramView, MerchantCaller, SchemeTokenAction, SchemeTokenView } from './types.js';

export interface SchemeTokenDeps {
  dal: Pick<
    MerchantDal,
    | 'findMerchantName'
    | 'findTokenRequestor'
    | 'findCardTokenById'
    | 'findSchemeToken'
    | 'findSchemeTokenByRef'
    | 'insertSchemeTokenIfAbsent'
    | 'updateSchemeToken'
    | 'updateSchemeTokenIfNewer'
    | 'deleteSchemeToken'
    | 'insertSchemeOperation'
    | 'settleSchemeOperation'
    | 'pendingSchemeOperationsOf'
    | 'pendingSchemeOperationsBefore'
    | 'countPendingSchemeOperations'
  >;
  transact: Transact;
  sealed: Pick<SealedData, 'seal' | 'open'>;
  clock: Clock;
  gateway: () => TokenRequestorGateway;
  /** How old a pending entry must be before the reconciler settles it (a call may still await its answer). */
  pendingGraceMs?: number;
}

/** What the merchant token service hands over: the reuse token, its PAN and card expiry, its scope. */
export interface SchemeTokenSubject {
  row: CardTokenRow;
  scope: TokenScopeRow;
  pan: string;
}

/** What one reconciliation of the merchant side's journal did (the shape of the issuer's report). */
export interface SchemeReconcileReport {
  settled: number;
  checked: number;
  repaired: number;
  failed: number;
  pending: number;
}

const FIELD = 'schemeTokenAction';
const RECONCILE_BATCH = 1_000;
const PROVISION = 'ACTIVATE';

/** What each action means on an existing scheme token: the network call and the status it leads to. */
const MANAGE: Record<SchemeTokenAction, { call: TokenRequestorLifecycleRequest['action']; target: string; event: string }> = {
  ACTIVATE: { call: 'RESUME', target: 'VALID', event: 'merchant.scheme_token.resumed' },
  SUSPEND: { call: 'SUSPEND', target: 'SUSPENDED', event: 'merchant.scheme_token.suspended' },
  DELETE: { call: 'DELETE', target: 'DELETED', event: 'merchant.scheme_token.deleted' },
};

/** The merchant's word for the network's status (Verifone's `SchemeToken.status`). */
export function schemeStatusOf(status: NetworkTokenStatus): 'VALID' | 'SUSPENDED' | 'DELETED' {
  if (status === 'DEACTIVATED') return 'DELETED';
  if (status === 'SUSPENDED') return 'SUSPENDED';
  return 'VALID';
}

interface SealedNetworkToken {
  tokenNumber: string;
}

export function createSchemeTokenService(deps: SchemeTokenDeps) {
  const { dal, transact, sealed, clock } = deps;
  const perToken = createKeyedMutex();
  const objectId = (row: { card_token_id: string }) => `scheme-token:${row.card_token_id}`;

  /** The token requestor a request of this merchant goes under: its own, else the network's card-on-file one. */
  async function requestorFor(merchantId: string, network: PaymentNetwork): Promise<{ id: string; name: string }> {
    const own = await dal.findTokenRequestor(merchantId, network);
    if (own) return { id: own.id, name: (await dal.findMerchantName(merchantId)) ?? 'merchant' };
    const tsp = providerOf(network).tokenRequestors.CARD_ON_FILE;
    return { id: tsp.id, name: tsp.name };
  }

  async function audit(
    tx: Tx,
    actor: string,
    action: string,
    row: SchemeTokenRow,
    before: string | null,
    after: string | null,
    detail: Record<string, unknown>,
  ) {
    const at = clock();
    const owner = merchantOwner(row.merchant_id);
    await recordAudit(
      tx,
      { owner, actor, action, objectType: 'scheme_token', objectId: row.card_token_id, statusBefore: before, statusAfter: after, detail },
      at,
    );
    await emitEvent(
      tx,
      {
        type: action,
        owner,
        // The scheme token is its own subject: its events are delivered in their commit order.
        subject: `scheme:${row.card_token_id}`,
        data: { merchant_id: row.merchant_id, card_token_id: row.card_token_id, network: row.network, token_ref: row.token_ref, status: after },
      },
      at,
    );
  }

  /** Commits the network's answer to a provisioning: the token made (VALID), or nothing (the pending token removed). */
  async function settleProvisioning(actor: string, pending: SchemeTokenRow, entryId: string, outcome: CardOnFileOutcome, how: 'applied' | 'resolved') {
    const now = clock().toISOString();
    if (!outcome.approved) {
      await transact(async (tx) => {
        if (!(await dal.settleSchemeOperation(tx, entryId, 'declined', now))) return;
        await dal.deleteSchemeToken(tx, pending.card_token_id, 'PENDING');
        await audit(tx, actor, 'merchant.scheme_token.declined', pending, null, null, { reason: outcome.reason, idempotency_key: entryId });
      });
      return;
    }
    const token: NetworkToken = outcome.token;
    const seal = await sealed.seal(merchantOwner(pending.merchant_id), objectId(pending), { tokenNumber: outcome.tokenNumber } satisfies SealedNetworkToken);
    await transact(async (tx) => {
      if (!(await dal.settleSchemeOperation(tx, entryId, how, now))) return;
      const changes = {
        token_ref: token.tokenRef,
        status: schemeStatusOf(token.status),
        network_token_sealed: seal.sealed,
        key_version: seal.keyVersion,
        expiry_month: token.tokenExpiryMonth,
        expiry_year: token.tokenExpiryYear,
        par: token.par,
        network_version: token.version,
        updated_at: now,
      };
      if (!(await dal.updateSchemeToken(tx, pending.card_token_id, 'PENDING', changes))) return;
      await audit(tx, actor, 'merchant.scheme_token.activated', { ...pending, ...changes }, null, changes.status, {
        network_version: token.version,
        idempotency_key: entryId,
        ...(how === 'resolved' ? { settled_by: 'reconciler' } : {}),
      });
    });
  }

  /** Sends (or resends) a pending provisioning under its key and settles it with the answer. */
  async function sendProvisioning(actor: string, subject: SchemeTokenSubject, pending: SchemeTokenRow, entry: SchemeOperationRow): Promise<void> {
    const requestor = await requestorFor(pending.merchant_id, pending.network as PaymentNetwork);
    const outcome = await deps.gateway().requestCardOnFileToken({
      network: pending.network as PaymentNetwork,
      pan: subject.pan,
      expiryMonth: subject.row.expiry_month,
      expiryYear: subject.row.expiry_year,
      tokenRequestorId: pending.token_requestor_id,
      // The name of the requestor the token was journaled under (the merchant, or the network's card-on-file one).
      tokenRequestorName:
        pending.token_requestor_id === requestor.id ? requestor.name : providerOf(pending.network as PaymentNetwork).tokenRequestors.CARD_ON_FILE.name,
      idempotencyKey: entry.id,
    });
    await settleProvisioning(actor, pending, entry.id, outcome, 'applied');
    if (!outcome.approved) throw new InvalidInput({ field: FIELD, reason: 'invalid', message: `the network declined the scheme token: ${outcome.reason}` });
  }

  /** The network this card's scheme token lives on, or InvalidInput on the action. */
  function networkOf(row: CardTokenRow): PaymentNetwork {
    const network = networkOfBrand(row.brand);
    if (!network) {
      throw new InvalidInput({
        field: FIELD,
        reason: 'unsupported',
        message: 'scheme tokens are available for Visa (vts) and Mastercard (mdes) cards only',
      });
    }
    return network;
  }

  async function activate(caller: MerchantCaller, subject: SchemeTokenSubject): Promise<void> {
    const { row } = subject;
    const network = networkOf(row);
    const actor = `merchant:${caller.merchantId}/key:${caller.apiKeyId}`;
    await perToken.run(row.id, async () => {
      const existing = await dal.findSchemeToken(row.id);
      if (existing?.status === 'VALID') return;
      if (existing?.status === 'PENDING') {
        // A provisioning whose answer never came (or is being awaited elsewhere): the same key again converges.
        const [entry] = await dal.pendingSchemeOperationsOf(row.id);
        if (entry) return sendProvisioning(actor, subject, existing, entry);
      }
      if (existing) return manageNow(actor, existing, 'ACTIVATE');
      const requestor = await requestorFor(caller.merchantId, network);
      const now = clock().toISOString();
      const pending: SchemeTokenRow = {
        card_token_id: row.id,
        merchant_id: caller.merchantId,
        network,
        token_requestor_id: requestor.id,
        token_ref: null,
        status: 'PENDING',
        network_token_sealed: null,
        key_version: null,
        expiry_month: null,
        expiry_year: null,
        par: null,
        network_version: 0,
        created_at: now,
        updated_at: now,
      };
      const entry: SchemeOperationRow = {
        id: randomUUID(),
        card_token_id: row.id,
        operation: PROVISION,
        status: 'pending',
        outcome: null,
        created_at: now,
        settled_at: null,
      };
      const journaled = await transact(async (tx) => {
        if (!(await dal.insertSchemeTokenIfAbsent(tx, pending))) return false;
        await dal.insertSchemeOperation(tx, entry);
        return true;
      });
      if (!journaled) {
        // Another instance journaled it first: follow its entry (same key, same answer).
        const theirs = await dal.findSchemeToken(row.id);
        const [their] = await dal.pendingSchemeOperationsOf(row.id);
        if (theirs?.status === 'PENDING' && their) return sendProvisioning(actor, subject, theirs, their);
        return;
      }
      await sendProvisioning(actor, subject, pending, entry);
    });
  }

  /** Adopts the network's view of a token when newer than ours, audited and evented when the status changed. */
  async function adopt(tx: Tx, actor: string, scheme: SchemeTokenRow, token: NetworkToken, action: string, detail: Record<string, unknown>) {
    const status = schemeStatusOf(token.status);
    const changes = { status, expiry_month: token.tokenExpiryMonth, expiry_year: token.tokenExpiryYear, updated_at: clock().toISOString() };
    if (!(await dal.updateSchemeTokenIfNewer(tx, scheme.card_token_id, token.version, changes))) return;
    await audit(tx, actor, action, { ...scheme, ...changes }, scheme.status, status, { network_version: token.version, ...detail });
  }

  /**
   * SUSPEND, ACTIVATE (of a suspended one) or DELETE of an existing scheme token, through the network: journaled
   * under an idempotency key first, the network's answer committed with the audit record and event. A refusal
   * (e.g. resuming a token only the issuer suspended) is a 400 on the action; a timeout or error leaves the entry
   * pending for a retry (same key) or the reconciler (a look-up).
   */
  async function manageNow(actor: string, scheme: SchemeTokenRow, action: SchemeTokenAction): Promise<void> {
    const { call, target, event } = MANAGE[action];
    if (scheme.status === target) return;
    if (scheme.status === 'DELETED')
      throw new InvalidInput({ field: FIELD, reason: 'invalid', message: `the scheme token is deleted: ${action} is not possible` });
    if (scheme.status === 'PENDING' || !scheme.token_ref) {
      throw new InvalidInput({ field: FIELD, reason: 'invalid', message: 'the scheme token is still being provisioned: ACTIVATE again first' });
    }
    const pending = await dal.pendingSchemeOperationsOf(scheme.card_token_id);
    let entry = pending.find((candidate) => candidate.operation === action);
    if (!entry && pending.length > 0) {
      // Another action's answer never came: the network's view settles it before this one is planned.
      await settleLifecycleByLookup(actor, scheme, pending);
      const now = await dal.findSchemeToken(scheme.card_token_id);
      if (!now) return;
      scheme = now;
      if (scheme.status === target) return;
    }
    if (!entry) {
      entry = {
        id: randomUUID(),
        card_token_id: scheme.card_token_id,
        operation: action,
        status: 'pending',
        outcome: null,
        created_at: clock().toISOString(),
        settled_at: null,
      };
      const intent = entry;
      await transact((tx) => dal.insertSchemeOperation(tx, intent));
    }
    const tokenRef = scheme.token_ref;
    if (!tokenRef) throw new Error('a settled scheme token without a token reference');
    let token: NetworkToken;
    try {
      token = await deps.gateway().tokenRequestorLifecycle({
        network: scheme.network as PaymentNetwork,
        tokenRef,
        action: call,
        tokenRequestorId: scheme.token_requestor_id,
        idempotencyKey: entry.id,
      });
    } catch (error) {
      if (error instanceof NetworkFailure && error.mode === 'bad_request') {
        const refused = entry;
        await transact(async (tx) => {
          await dal.settleSchemeOperation(tx, refused.id, 'refused', clock().toISOString());
          await audit(tx, actor, `${event}.refused`, scheme, scheme.status, scheme.status, { reason: error.message, idempotency_key: refused.id });
        });
        throw new InvalidInput({ field: FIELD, reason: 'invalid', message: `the network refused ${action}: ${error.message}` });
      }
      throw error;
    }
    const applied = entry;
    await transact(async (tx) => {
      await dal.settleSchemeOperation(tx, applied.id, 'applied', clock().toISOString());
      await adopt(tx, actor, scheme, token, event, { idempotency_key: applied.id });
    });
  }

  /** Settles pending lifecycle entries of a scheme token by asking the network for the token. */
  async function settleLifecycleByLookup(actor: string, scheme: SchemeTokenRow, entries: readonly SchemeOperationRow[]): Promise<void> {
    const token = scheme.token_ref ? await deps.gateway().getToken(scheme.network as PaymentNetwork, scheme.token_ref) : undefined;
    await transact(async (tx) => {
      for (const entry of entries) await dal.settleSchemeOperation(tx, entry.id, 'resolved', clock().toISOString());
      if (token) await adopt(tx, actor, scheme, token, 'merchant.scheme_token.resync', { operations: entries.map((e) => e.id) });
    });
  }

  /** SUSPEND / ACTIVATE / DELETE of the reuse token's scheme token (ACTIVATE provisions one when there is none). */
  async function act(caller: MerchantCaller, subject: SchemeTokenSubject, action: SchemeTokenAction): Promise<void> {
    if (action === 'ACTIVATE') return activate(caller, subject);
    const actor = `merchant:${caller.merchantId}/key:${caller.apiKeyId}`;
    await perToken.run(subject.row.id, async () => {
      const scheme = await dal.findSchemeToken(subject.row.id);
      if (!scheme) throw new InvalidInput({ field: FIELD, reason: 'invalid', message: `there is no scheme token to ${action.toLowerCase()}` });
      await manageNow(actor, scheme, action);
    });
  }

  /**
   * Deleting a reuse token deletes its scheme token first (at the network); a provisioning still pending is
   * settled first. A network failure fails the deletion, which can be repeated.
   */
  async function deleteFor(caller: MerchantCaller, row: CardTokenRow): Promise<void> {
    const actor = `merchant:${caller.merchantId}/key:${caller.apiKeyId}`;
    await perToken.run(row.id, async () => {
      let scheme = await dal.findSchemeToken(row.id);
      if (scheme?.status === 'PENDING') {
        const [entry] = await dal.pendingSchemeOperationsOf(row.id);
        if (entry) {
          const answer = await deps.gateway().cardOnFileAnswer(scheme.network as PaymentNetwork, entry.id);
          await settleProvisioning(actor, scheme, entry.id, answer ?? { approved: false, reason: 'the network never applied the request' }, 'resolved');
        }
        scheme = await dal.findSchemeToken(row.id);
      }
      if (!scheme || scheme.status === 'DELETED' || scheme.status === 'PENDING') return;
      try {
        await manageNow(actor, scheme, 'DELETE');
      } catch (error) {
        // Refused, e.g. the network deleted it already and its notification was missed: adopt the network's view.
        if (!(error instanceof InvalidInput)) throw error;
        await settleLifecycleByLookup(actor, scheme, []);
        if ((await dal.findSchemeToken(row.id))?.status !== 'DELETED') {
          throw new Conflict('illegal_transition', `its scheme token could not be deleted at the network: ${error.message}`, 'id');
        }
      }
    });
  }

  /**
   * The scheme token as its merchant sees it: the status always; the number and its expiry only when the merchant
   * is the token's requestor; the PAR only when the scope has `par` too. None while provisioning is unsettled.
   */
  async function view(row: CardTokenRow, scope: Pick<TokenScopeRow, 'par'> | undefined): Promise<SchemeTokenView | undefined> {
    const scheme = await dal.findSchemeToken(row.id);
    if (!scheme || scheme.status === 'PENDING') return undefined;
    const result: SchemeTokenView = { status: scheme.status as SchemeTokenView['status'] };
    const own = await dal.findTokenRequestor(row.merchant_id, scheme.network);
    if (own && own.id === scheme.token_requestor_id) {
      if (scheme.network_token_sealed !== null && scheme.key_version !== null && scheme.status !== 'DELETED') {
        const opened = await sealed.open<SealedNetworkToken>(merchantOwner(row.merchant_id), objectId(scheme), {
          sealed: scheme.network_token_sealed,
          keyVersion: scheme.key_version,
        });
        result.networkToken = opened.tokenNumber;
      }
      if (scheme.expiry_month !== null) result.expiryMonth = scheme.expiry_month;
      if (scheme.expiry_year !== null) result.expiryYear = scheme.expiry_year;
      if (scope?.par && scheme.par) result.paymentAccountReference = scheme.par;
    }
    return result;
  }

  /**
   * Settles provisioning entries left pending (older than the grace period) by asking the network for their key's
   * answer: a token made is adopted, a decline or no answer at all (the network never applied it) removes the
   * pending token. A network that does not answer now leaves the entry for the next run.
   */
  async function reconcile(options: { graceMs?: number } = {}): Promise<SchemeReconcileReport> {
    const graceMs = options.graceMs ?? deps.pendingGraceMs ?? 0;
    const cutoff = new Date(clock().getTime() - graceMs).toISOString();
    const report: SchemeReconcileReport = { settled: 0, checked: 0, repaired: 0, failed: 0, pending: 0 };
    for (const entry of await dal.pendingSchemeOperationsBefore(cutoff, RECONCILE_BATCH)) {
      try {
        await perToken.run(entry.card_token_id, async () => {
          const pending = await dal.findSchemeToken(entry.card_token_id);
          if (pending && entry.operation !== PROVISION) {
            await settleLifecycleByLookup('reconciler', pending, [entry]);
            report.settled += 1;
            return;
          }
          if (pending?.status !== 'PENDING') {
            await transact(async (tx) => void (await dal.settleSchemeOperation(tx, entry.id, 'resolved', clock().toISOString())));
            return;
          }
          const answer = await deps.gateway().cardOnFileAnswer(pending.network as PaymentNetwork, entry.id);
          await settleProvisioning('reconciler', pending, entry.id, answer ?? { approved: false, reason: 'the network never applied the request' }, 'resolved');
          report.settled += 1;
          if (answer?.approved) report.repaired += 1;
        });
      } catch (error) {
        if (!(error instanceof NetworkFailure)) throw error;
        report.failed += 1;
      }
    }
    report.pending = await dal.countPendingSchemeOperations();
    return report;
  }

  /**
   * The network tells the token requestor of a change someone else made (the issuer suspending, resuming or
   * deleting the token, the cardholder or wallet): the scheme token follows, audited and evented, unless the
   * notification is older than what is stored. A token this side does not hold is ignored.
   */
  async function onNetworkUpdate(token: NetworkToken): Promise<void> {
    const scheme = await dal.findSchemeTokenByRef(token.tokenRef);
    if (!scheme || scheme.network !== token.network) return;
    await perToken.run(scheme.card_token_id, () =>
      transact((tx) => adopt(tx, `network:${token.network}`, scheme, token, 'merchant.scheme_token.network_update', {})),
    );
  }

  /**
   * A cryptogram to pay with the reuse token's scheme token: only for a VALID one the merchant is the token
   * requestor of (it alone is given the number). The network refuses a token it no longer holds active. Audited
   * (never the cryptogram itself).
   */
  async function cryptogram(caller: MerchantCaller, row: CardTokenRow, input: CryptogramInput): Promise<CryptogramView> {
    const refuse = (message: string) => new InvalidInput({ field: 'id', reason: 'invalid', message });
    if ((input.amount === undefined) !== (input.currency === undefined)) {
      throw new InvalidInput({ field: input.amount === undefined ? 'amount' : 'currency', reason: 'required', message: 'amount and currency go together' });
    }
    const scheme = await dal.findSchemeToken(row.id);
    if (!scheme || scheme.status === 'PENDING' || !scheme.token_ref) throw refuse('the token has no scheme token: ACTIVATE one first');
    if (scheme.status !== 'VALID') throw refuse(`the scheme token is ${scheme.status.toLowerCase()}`);
    const own = await dal.findTokenRequestor(row.merchant_id, scheme.network);
    if (!own || own.id !== scheme.token_requestor_id || scheme.network_token_sealed === null || scheme.key_version === null) {
      throw refuse(`cryptograms need the merchant's own token requestor id on ${scheme.network}`);
    }
    const network = scheme.network as PaymentNetwork;
    let issued: Awaited<ReturnType<TokenRequestorGateway['issueCryptogram']>>;
    try {
      issued = await deps.gateway().issueCryptogram({
        network,
        tokenRef: scheme.token_ref,
        tokenRequestorId: scheme.token_requestor_id,
        ...(input.amount !== undefined ? { amount: input.amount } : {}),
        ...(input.currency !== undefined ? { currency: input.currency } : {}),
        transactionType: input.transactionType ?? 'CIT',
      });
    } catch (error) {
      if (error instanceof NetworkFailure && error.mode === 'bad_request') throw refuse(`the network refused a cryptogram: ${error.message}`);
      throw error;
    }
    const opened = await sealed.open<SealedNetworkToken>(merchantOwner(row.merchant_id), objectId(scheme), {
      sealed: scheme.network_token_sealed,
      keyVersion: scheme.key_version,
    });
    await transact((tx) =>
      recordAudit(
        tx,
        {
          owner: merchantOwner(row.merchant_id),
          actor: `merchant:${caller.merchantId}/key:${caller.apiKeyId}`,
          action: 'merchant.scheme_token.cryptogram',
          objectType: 'scheme_token',
          objectId: row.id,
          statusBefore: scheme.status,
          statusAfter: scheme.status,
          detail: {
            network,
            eci: issued.eci,
            expires_at: issued.expiresAt,
            ...(input.amount !== undefined ? { amount: input.amount, currency: input.currency } : {}),
          },
        },
        clock(),
      ),
    );
    return {
      network,
      networkToken: opened.tokenNumber,
      expiryMonth: scheme.expiry_month ?? 0,
      expiryYear: scheme.expiry_year ?? 0,
      cryptogram: issued.cryptogram,
      eci: issued.eci,
    };
  }

  return { activate, act, deleteFor, view, reconcile, networkOf, onNetworkUpdate, cryptogram };
}

export type SchemeTokenService = ReturnType<typeof createSchemeTokenService>;
