/**
 * The Pismo-compatible issuer side: network tokens of an account's cards, their lifecycle, Visa device binding,
 * and the issuer's half of provisioning (the network asks for a decision, then notifies the token it made).
 *
 * A state change is written only after the network acknowledged it, with the network's own answer; a failure
 * leaves the stored state as it was. Operations on one token run one at a time, and every write is guarded by
 * the network's version number, so a late or replayed notification can never roll a token back.
 *
 * Every operation is journaled (journal.ts): its intent is committed before the network is called, the call
 * carries the entry's idempotency key, and the answer settles the entry in the transaction of the token's new
 * state, audit record and event. An entry left pending (a lost answer, a crash) is settled by a retry of the same
 * operation (same key, the network's first answer), by a look-up before another operation, or by `reconcile`,
 * which also repairs drift from missed notifications; each repair is audited (`token.resync`) and emitted as a
 * `token_resync` event.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { Declined, InvalidInput, NetworkFailure, NotFound } from '../errors.js';
import { checkExpiry } from '../cards/index.js';
import type { SealedData } from '../keys/sealed-data.js';
import { emitEvent, recordAudit } from '../ledger/ledger.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Transact, UnitOfWork } from '../store/transactions.js';
import type { Clock } from '../clock.js';
import { createKeyedMutex } from '../keyed-mutex.js';
import { accountOwner, ISSUER_OWNER } from '../owners.js';
import { withRetry } from '../retry.js';
import type {
  AuthorizationNotice,
  DecisionRequest,
  IssuerAnswer,
  IssuerCallbacks,
  NetworkToken,
  PaymentNetwork,
  Suspender,
  WalletEvent,
} from '../network/types.js';
import type { SandboxNetwork } from '../network/sandbox.js';
import { networkOfBrand } from '../network/providers.js';
import type { IssuerDal, NetworkOperationRow, NetworkTokenChanges, NetworkTokenRow } from './dal.js';
import { parseCall, sameCall, sendCall, type JournaledCall } from './journal.js';
import { checkDeviceIndex, isLegalCardLevel, planDeviceBinding, planOperation, type TokenState } from './lifecycle.js';
import type {
  CardOperationInput,
  DeviceBindingInput,
  IssuerCaller,
  IssuerCardSecret,
  IssuerTokenView,
  ProvisionInput,
  StoredDevice,
  TokenOperationInput,
} from './types.js';

export type { IssuerCaller, IssuerTokenView, ProvisionInput, StoredDevice } from './types.js';

type Transaction = Parameters<UnitOfWork<unknown>>[0];

/** The queries this service runs. */
export type IssuerTokenDal = Pick<
  IssuerDal,
  | 'findAccount'
  | 'findCard'
  | 'findCardOfAccount'
  | 'findCardByFingerprint'
  | 'rememberPanReference'
  | 'cardOfPanReference'
  | 'findTokenOfAccount'
  | 'findToken'
  | 'findTokenByRef'
  | 'tokensOfCard'
  | 'tokenIdsOfCard'
  | 'readToken'
  | 'updateTokenAtVersion'
  | 'insertToken'
  | 'liveTokens'
  | 'insertOperation'
  | 'pendingOperationsOf'
  | 'pendingOperationsBefore'
  | 'countPendingOperations'
  | 'settleOperation'
>;

export interface IssuerTokenServiceDeps {
  dal: IssuerTokenDal;
  transact: Transact;
  sealed: Pick<SealedData, 'panFingerprint' | 'open'>;
  clock: Clock;
  gateway: () => SandboxNetwork;
  /**
   * How old a pending journal entry must be before the reconciler settles it (default: 0). An entry younger than
   * the network timeout may belong to a call still awaiting its answer on another instance.
   */
  pendingGraceMs?: number;
}

export interface ReconcileOptions {
  /** Overrides the service's `pendingGraceMs` for this run. */
  graceMs?: number;
  /** Also compare every token the network may still change with the network's view (default true). */
  sweep?: boolean;
}

/** What one reconciliation did. */
export interface ReconcileReport {
  /** Pending journal entries settled. */
  settled: number;
  /** Tokens compared with the network's view. */
  checked: number;
  /** Tokens whose stored state was repaired from the network's (each audited and emitted as `token_resync`). */
  repaired: number;
  /** Tokens the network could not be asked about this time (their entries stay pending). */
  failed: number;
  /** Journal entries still pending after the run. */
  pending: number;
}

/** Attempts at drawing a token id that is not taken yet. */
const TOKEN_ID_ATTEMPTS = 5;
/** Attempts at the compare-and-set of a network answer; each lost race means a newer version was committed. */
const APPLY_ATTEMPTS = 10;
/** Pending entries one reconciliation settles at most (the next run takes the rest), and tokens read per page. */
const RECONCILE_BATCH = 1_000;
/** The actor of the repairs the reconciler makes. */
const RECONCILER = 'reconciler';

class LostRace extends Error {}

const actorOf = (caller: IssuerCaller) => `account:${caller.accountId}/sub:${caller.subject}${caller.operatorId ? `/operator:${caller.operatorId}` : ''}`;

/** Which bound devices an operation added, removed or changed: what the audit trail records besides the status. */
function deviceChanges(beforeJson: string, afterJson: string): { device_id: string; device_index: number; from: string | null; to: string | null }[] {
  const before = new Map((JSON.parse(beforeJson) as StoredDevice[]).map((d) => [d.device_id, d]));
  const after = new Map((JSON.parse(afterJson) as StoredDevice[]).map((d) => [d.device_id, d]));
  const changes = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(id);
    const is = after.get(id);
    if (was?.status === is?.status) continue;
    changes.push({ device_id: id, device_index: (is ?? was)!.device_index, from: was?.status ?? null, to: is?.status ?? null });
  }
  return changes;
}

function toStoredDevices(token: NetworkToken): StoredDevice[] {
  return token.devices.map((d) => ({ device_id: d.deviceId, device_index: d.deviceIndex, status: d.status }));
}

const stateOf = (row: NetworkTokenRow): TokenState => ({
  network: row.network as PaymentNetwork,
  status: row.status as TokenState['status'],
  suspenders: JSON.parse(row.suspenders) as Suspender[],
  devices: JSON.parse(row.devices) as StoredDevice[],
});

export function createIssuerTokenService(deps: IssuerTokenServiceDeps) {
  const { dal, transact, sealed, clock } = deps;
  const perToken = createKeyedMutex();

  async function findCardOf(accountId: number, cardId: number) {
    const card = await dal.findCardOfAccount(accountId, cardId);
    if (!card) throw new NotFound('card');
    return card;
  }

  async function findToken(accountId: number, cardId: number, tokenId: string): Promise<NetworkTokenRow> {
    const row = await dal.findTokenOfAccount(accountId, cardId, tokenId);
    if (!row) throw new NotFound('token');
    return row;
  }

  // An account's tenant and program never change, so they are read once per account.
  const accounts = new Map<number, { orgId: string; programId: string }>();
  async function accountOf(accountId: number): Promise<{ orgId: string; programId: string } | undefined> {
    const known = accounts.get(accountId);
    if (known) return known;
    const row = await dal.findAccount(accountId);
    if (!row) return undefined;
    const account = { orgId: row.org_id, programId: row.program_id };
    accounts.set(accountId, account);
    return account;
  }

  async function view(row: NetworkTokenRow): Promise<IssuerTokenView> {
    const account = await accountOf(row.account_id);
    if (!account) throw new Error('token of a missing account');
    return {
      id: row.id,
      cardId: row.card_id,
      accountId: row.account_id,
      orgId: account.orgId,
      programId: account.programId,
      network: row.network as PaymentNetwork,
      tokenRef: row.token_ref,
      panRef: row.pan_ref,
      status: row.status as IssuerTokenView['status'],
      walletId: row.wallet_id,
      paymentAppInstanceId: row.payment_app_instance_id,
      trackingId: row.tracking_id,
      updatedAt: row.updated_at,
      devices: (JSON.parse(row.devices) as StoredDevice[]).map((d) => ({ deviceId: d.device_id, deviceIndex: d.device_index, status: d.status })),
      networkData: JSON.parse(row.network_data) as Record<string, unknown>,
    };
  }

  /**
   * Writes the network's answer if it is newer than what we hold, and returns the row it replaced. The row is read
   * inside the transaction and written only if still at the version read (compare-and-set), so `before` is what
   * this answer really replaced even while a notification of the same token commits concurrently: the audit trail
   * then chains (each record starts where the previous one ended) and no stale patch event follows a newer one.
   */
  async function applyNetworkState(
    tx: Transaction,
    tokenId: string,
    token: NetworkToken,
  ): Promise<{ before: NetworkTokenRow; after: NetworkTokenRow; applied: boolean }> {
    const changes: NetworkTokenChanges = {
      status: token.status,
      suspenders: JSON.stringify(token.suspenders),
      devices: JSON.stringify(toStoredDevices(token)),
      network_data: JSON.stringify(token.networkData),
      network_version: token.version,
      updated_at: clock().toISOString(),
    };
    return withRetry(
      async () => {
        const before = await dal.readToken(tx, tokenId);
        if (before.network_version >= token.version) return { before, after: before, applied: false };
        if (await dal.updateTokenAtVersion(tx, tokenId, before.network_version, changes)) return { before, after: { ...before, ...changes }, applied: true };
        // Another writer committed a newer version between the read and the write: read again.
        throw new LostRace();
      },
      { attempts: APPLY_ATTEMPTS, retryOn: (error) => error instanceof LostRace },
    );
  }

  async function audit(
    tx: Transaction,
    actor: string,
    action: string,
    row: NetworkTokenRow,
    before: string | null,
    after: string | null,
    reason: string | null,
    detail?: Record<string, unknown>,
  ) {
    const at = clock();
    await recordAudit(
      tx,
      {
        owner: accountOwner(row.account_id),
        actor,
        action,
        objectType: 'network_token',
        objectId: row.id,
        statusBefore: before,
        statusAfter: after,
        reason,
        ...(detail ? { detail } : {}),
      },
      at,
    );
    const event = { owner: accountOwner(row.account_id), subject: row.id };
    if (before !== after) {
      // Numbers on both engines (PostgreSQL answers bigint columns as text).
      await emitEvent(
        tx,
        { ...event, type: 'patch', data: { account_id: Number(row.account_id), card_id: Number(row.card_id), token_id: row.id, patch: { status: after } } },
        at,
      );
    }
    // Device binding outcomes change the token's devices, not its status: they are events of their own.
    const devices = detail?.devices;
    if (Array.isArray(devices) && devices.length > 0) {
      const operation = typeof detail?.operation === 'string' ? detail.operation : action;
      await emitEvent(
        tx,
        { ...event, type: 'device_binding', data: { account_id: Number(row.account_id), card_id: Number(row.card_id), token_id: row.id, operation, devices } },
        at,
      );
    }
  }

  /**
   * Adopts the network's view of a token when it is newer than ours, and settles `entries` with it, in one
   * transaction: each repair is audited (`token.resync`, by the reconciler) and emitted as a `token_resync` event.
   * Whether the stored state was repaired.
   */
  async function resync(
    tx: Transaction,
    tokenId: string,
    token: NetworkToken | undefined,
    entries: readonly NetworkOperationRow[],
    cause: string,
  ): Promise<boolean> {
    let repaired = false;
    const at = clock();
    if (token) {
      const { before, after, applied } = await applyNetworkState(tx, tokenId, token);
      if (applied) {
        repaired = true;
        const devices = deviceChanges(before.devices, after.devices);
        const detail = {
          network_version: token.version,
          previous_version: before.network_version,
          ...(devices.length > 0 ? { devices } : {}),
          ...(entries.length > 0 ? { operations: entries.map((entry) => entry.id) } : {}),
        };
        await recordAudit(
          tx,
          {
            owner: accountOwner(after.account_id),
            actor: RECONCILER,
            action: 'token.resync',
            objectType: 'network_token',
            objectId: tokenId,
            statusBefore: before.status,
            statusAfter: after.status,
            reason: cause,
            detail,
          },
          at,
        );
        await emitEvent(
          tx,
          {
            type: 'token_resync',
            owner: accountOwner(after.account_id),
            subject: tokenId,
            data: {
              account_id: Number(after.account_id),
              card_id: Number(after.card_id),
              token_id: tokenId,
              status: after.status,
              payment_network: after.network,
              network_version: token.version,
            },
          },
          at,
        );
      }
    }
    for (const entry of entries) {
      await dal.settleOperation(tx, entry.id, {
        outcome: token ? 'resolved' : 'unknown_token',
        result_version: token?.version ?? null,
        settled_at: at.toISOString(),
      });
    }
    return repaired;
  }

  /** Asks the network for a token and adopts its view, settling `entries`; a network failure leaves them pending. */
  async function settleByLookup(row: NetworkTokenRow, entries: readonly NetworkOperationRow[], cause: string): Promise<boolean> {
    const token = await deps.gateway().getToken(row.network as PaymentNetwork, row.token_ref);
    return transact((tx) => resync(tx, row.id, token, entries, cause));
  }

  /** The network call an operation means from this state; undefined to skip the token (card level). Throws refusals. */
  type Planner = (state: TokenState) => JournaledCall | undefined;

  /**
   * One operation on one token, journaled (journal.ts); runs in the token's turn. Pending entries of the token are
   * dealt with first: one asking the same as this operation is sent again under its own key (converging on the
   * network's first answer), others are settled by a look-up so that the operation is planned from the network's
   * state. Then the intent is committed, the network called with its key, and its answer committed with the
   * token's new state, the audit record and the event, the entry settled in the same transaction.
   */
  async function journaled(
    caller: IssuerCaller,
    cardId: number,
    tokenId: string,
    operation: string,
    reason: string,
    plan: Planner,
  ): Promise<'applied' | 'skipped'> {
    let row = await findToken(caller.accountId, cardId, tokenId);
    let entry: NetworkOperationRow | undefined;
    const pending = await dal.pendingOperationsOf(tokenId);
    if (pending.length > 0) {
      let call: JournaledCall | undefined;
      try {
        call = plan(stateOf(row));
      } catch {
        call = undefined;
      }
      entry = call && pending.find((candidate) => sameCall(parseCall(candidate.call), call));
      if (!entry) {
        await settleByLookup(row, pending, `settled before ${operation}`);
        row = await findToken(caller.accountId, cardId, tokenId);
      }
    }
    if (!entry) {
      const call = plan(stateOf(row));
      if (!call) return 'skipped';
      entry = {
        id: randomUUID(),
        token_id: tokenId,
        operation,
        call: JSON.stringify(call),
        expected_version: row.network_version,
        status: 'pending',
        outcome: null,
        result_version: null,
        actor: actorOf(caller),
        reason,
        created_at: clock().toISOString(),
        settled_at: null,
      };
      const intent = entry;
      await transact((tx) => dal.insertOperation(tx, intent));
    }
    const key = entry.id;
    let token: NetworkToken;
    try {
      token = await sendCall(deps.gateway(), { network: row.network as PaymentNetwork, tokenRef: row.token_ref }, parseCall(entry.call), key);
    } catch (error) {
      if (error instanceof NetworkFailure) await recordFailure(caller, row, key, operation, reason, error);
      throw error;
    }
    await transact(async (tx) => {
      const { before, after, applied } = await applyNetworkState(tx, row.id, token);
      // A superseded answer (a newer state is already stored) is still audited, as changing nothing.
      const devices = applied ? deviceChanges(before.devices, after.devices) : [];
      const detail = {
        operation,
        network_version: token.version,
        idempotency_key: key,
        ...(devices.length > 0 ? { devices } : {}),
        ...(applied ? {} : { superseded: true }),
      };
      await audit(tx, actorOf(caller), `token.${operation.toLowerCase()}`, before, before.status, after.status, reason, detail);
      await dal.settleOperation(tx, key, { outcome: 'applied', result_version: token.version, settled_at: clock().toISOString() });
    });
    return 'applied';
  }

  /**
   * A call that failed: the attempt is audited (the network may have acted on a call whose answer never came). A
   * refusal settles the entry; a timeout or an error leaves it pending, for a retry or the reconciler. A refusal
   * may come from drift (the network holds a newer state, e.g. after an answer was lost): the token is looked up
   * and repaired, so the next operation is judged on the network's state.
   */
  async function recordFailure(
    caller: IssuerCaller,
    row: NetworkTokenRow,
    key: string,
    operation: string,
    reason: string,
    error: NetworkFailure,
  ): Promise<void> {
    const refused = error.mode === 'bad_request';
    await transact(async (tx) => {
      await audit(tx, actorOf(caller), `token.${operation.toLowerCase()}.failed`, row, row.status, row.status, reason, {
        operation,
        network_failure: error.mode,
        idempotency_key: key,
      });
      if (refused) await dal.settleOperation(tx, key, { outcome: 'refused', result_version: null, settled_at: clock().toISOString() });
    });
    if (!refused) return;
    try {
      await settleByLookup(row, [], `network refused ${operation}`);
    } catch (lookupError) {
      // The refusal is the answer; the reconciler repairs the drift later if the look-up failed too.
      if (!(lookupError instanceof NetworkFailure)) throw lookupError;
    }
  }

  /** Settles the token's pending entries older than `cutoff` by a look-up, in the token's turn. */
  async function settlePendingOf(tokenId: string, cutoff: string): Promise<{ settled: number; repaired: boolean }> {
    return perToken.run(tokenId, async () => {
      const entries = (await dal.pendingOperationsOf(tokenId)).filter((entry) => entry.created_at < cutoff);
      if (entries.length === 0) return { settled: 0, repaired: false };
      const row = await dal.findToken(tokenId);
      if (!row) throw new Error('journal entry of a missing token');
      const repaired = await settleByLookup(row, entries, 'pending operation settled by the reconciler');
      return { settled: entries.length, repaired };
    });
  }

  const nextTokenId = (): string => String(randomInt(1_000_000_000, 10_000_000_000));

  /** Stores a token the network made, with its audit record and event; a token id collision draws another id. */
  async function insertNotifiedToken(token: NetworkToken, card: { id: number; account_id: number }): Promise<void> {
    const at = clock();
    const now = at.toISOString();
    await withRetry(
      async () => {
        const row: NetworkTokenRow = {
          id: nextTokenId(),
          card_id: card.id,
          account_id: card.account_id,
          network: token.network,
          token_ref: token.tokenRef,
          pan_ref: token.panRef,
          status: token.status,
          suspenders: JSON.stringify(token.suspenders),
          devices: JSON.stringify(toStoredDevices(token)),
          wallet_id: token.walletId,
          token_requestor_id: token.tokenRequestorId,
          payment_app_instance_id: token.paymentAppInstanceId,
          tracking_id: token.trackingId,
          network_data: JSON.stringify(token.networkData),
          network_version: token.version,
          created_at: now,
          updated_at: now,
        };
        try {
          await transact(async (tx) => {
            await dal.insertToken(tx, row);
            // Stamped with the server's clock, as every other record of the token (not the wall clock).
            await recordAudit(
              tx,
              {
                owner: accountOwner(row.account_id),
                actor: `network:${token.network}`,
                action: 'token.provisioned',
                objectType: 'network_token',
                objectId: row.id,
                statusAfter: row.status,
              },
              at,
            );
            await emitEvent(
              tx,
              {
                type: 'notification',
                owner: accountOwner(row.account_id),
                subject: row.id,
                data: { account_id: Number(row.account_id), card_id: Number(row.card_id), token_id: row.id, status: row.status, payment_network: row.network },
              },
              at,
            );
          });
        } catch (error) {
          // A duplicate notification of the same token is fine; a token id collision draws again (retryOn).
          if (await dal.findTokenByRef(token.tokenRef)) return;
          throw error;
        }
      },
      { attempts: TOKEN_ID_ATTEMPTS, retryOn: isUniqueViolation },
    );
  }

  const callbacks: IssuerCallbacks = {
    async decide(req: DecisionRequest): Promise<IssuerAnswer> {
      const fingerprint = await sealed.panFingerprint(ISSUER_OWNER, req.pan);
      const card = await dal.findCardByFingerprint(fingerprint);
      // Not a card of this issuer: the network routes the request to the card's own issuer (or declines a wallet).
      if (!card) return 'UNKNOWN_CARD';
      await dal.rememberPanReference({ panRef: req.panRef, cardId: card.id, network: req.network });
      if (req.forcedDecision) return req.forcedDecision;
      const account = await dal.findAccount(card.account_id);
      if (card.status !== 'ACTIVE' || account?.status !== 'ACTIVE') return 'RED';
      if (checkExpiry(card.expiry_month, card.expiry_year, clock()) !== 'ok') return 'RED';
      if (req.expiryMonth !== card.expiry_month || req.expiryYear !== card.expiry_year) return 'YELLOW';
      return 'GREEN';
    },

    async notify(token: NetworkToken): Promise<void> {
      const existing = await dal.findTokenByRef(token.tokenRef);
      if (existing) {
        await transact(async (tx) => {
          const { before, after, applied } = await applyNetworkState(tx, existing.id, token);
          if (applied)
            await audit(tx, `network:${token.network}`, 'token.network_update', before, before.status, after.status, null, { network_version: token.version });
        });
        return;
      }
      const card = await dal.cardOfPanReference(token.panRef);
      if (!card) throw new Error('notification for a PAN reference this issuer never decided on');
      await insertNotifiedToken(token, card);
    },

    /** An authorization with one of this issuer's tokens: audited on the token and evented, in one transaction. */
    async authorized(notice: AuthorizationNotice): Promise<void> {
      const row = await dal.findTokenByRef(notice.tokenRef);
      if (!row) return;
      const detail = {
        approved: notice.approved,
        ...(notice.reason ? { decline_reason: notice.reason } : {}),
        ...(notice.authorizationId ? { authorization_id: notice.authorizationId } : {}),
        amount: notice.amount,
        currency: notice.currency,
        token_requestor_id: notice.tokenRequestorId,
      };
      await transact(async (tx) => {
        const at = clock();
        await recordAudit(
          tx,
          {
            owner: accountOwner(row.account_id),
            actor: `network:${notice.network}`,
            action: 'token.authorization',
            objectType: 'network_token',
            objectId: row.id,
            statusBefore: row.status,
            statusAfter: row.status,
            reason: notice.reason ?? null,
            detail,
          },
          at,
        );
        await emitEvent(
          tx,
          {
            type: 'token.authorization',
            owner: accountOwner(row.account_id),
            subject: row.id,
            data: { account_id: Number(row.account_id), card_id: Number(row.card_id), token_id: row.id, ...detail },
          },
          at,
        );
      });
    },
  };

  return {
    callbacks,

    /** The tenant (org_id) an account belongs to; undefined for an unknown account. */
    async accountTenant(accountId: number): Promise<string | undefined> {
      return (await accountOf(accountId))?.orgId;
    },

    async get(accountId: number, cardId: number, tokenId: string): Promise<IssuerTokenView> {
      return view(await findToken(accountId, cardId, tokenId));
    },

    async list(accountId: number, cardId: number): Promise<IssuerTokenView[]> {
      await findCardOf(accountId, cardId);
      const rows = await dal.tokensOfCard(accountId, cardId);
      return Promise.all(rows.map(view));
    },

    async perform(caller: IssuerCaller, cardId: number, tokenId: string, input: TokenOperationInput): Promise<void> {
      await findToken(caller.accountId, cardId, tokenId);
      await perToken.run(tokenId, () =>
        // Planned inside the token's turn, from the state the network will see.
        journaled(caller, cardId, tokenId, input.operation, input.reason, (state) => {
          const plan = planOperation(input.operation, state, input.activationCode);
          return plan.kind === 'lifecycle'
            ? { kind: 'lifecycle', action: plan.action, reason: input.reason }
            : { kind: 'approve_latest_device', method: plan.method };
        }),
      );
    },

    /**
     * Applies the operation to every token of the card for which it is legal; the others are skipped. Not atomic:
     * each token commits after its own network ack, and a network failure on one is answered after all were tried.
     * Each token's operation goes through the journal, as a single-token one does.
     */
    async performOnCard(caller: IssuerCaller, cardId: number, input: CardOperationInput) {
      await findCardOf(caller.accountId, cardId);
      const ids = await dal.tokenIdsOfCard(caller.accountId, cardId);
      if (ids.length === 0) throw new NotFound('token');
      const applied: string[] = [];
      const skipped: string[] = [];
      let failure: NetworkFailure | undefined;
      for (const id of ids) {
        try {
          const outcome = await perToken.run(id, () =>
            journaled(caller, cardId, id, input.operation, input.reason, (state) =>
              isLegalCardLevel(input.operation, state) ? { kind: 'lifecycle', action: input.operation, reason: input.reason } : undefined,
            ),
          );
          (outcome === 'applied' ? applied : skipped).push(id);
        } catch (error) {
          // One token's network failure must not leave the card's other tokens as they were (a lost card's tokens
          // should all be suspended): every token is tried, then the failure is the answer, and a retry finishes.
          if (!(error instanceof NetworkFailure)) throw error;
          failure ??= error;
        }
      }
      if (failure) throw failure;
      return { applied, skipped };
    },

    async bindDevice(caller: IssuerCaller, cardId: number, tokenId: string, deviceId: string, input: DeviceBindingInput): Promise<void> {
      checkDeviceIndex(input.deviceIndex);
      await findToken(caller.accountId, cardId, tokenId);
      await perToken.run(tokenId, () =>
        journaled(caller, cardId, tokenId, input.operation, input.reason, (state) => {
          const action = planDeviceBinding(state, deviceId, input);
          return { kind: 'device_binding', deviceId, deviceIndex: input.deviceIndex, action, reason: input.reason };
        }),
      );
    },

    /**
     * Settles every journal entry left pending (older than the grace period) by asking the network for its token,
     * then, unless `sweep` is false, compares every token the network may still change with the network's view:
     * each drift (an answer lost, a crash between the network's change and ours, a missed notification) is
     * repaired from the network's state, audited and emitted as `token_resync`. A token the network cannot be
     * asked about now is counted in `failed` and left for the next run.
     */
    async reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
      const graceMs = options.graceMs ?? deps.pendingGraceMs ?? 0;
      const cutoff = new Date(clock().getTime() - graceMs).toISOString();
      const report: ReconcileReport = { settled: 0, checked: 0, repaired: 0, failed: 0, pending: 0 };
      const pending = await dal.pendingOperationsBefore(cutoff, RECONCILE_BATCH);
      for (const tokenId of new Set(pending.map((entry) => entry.token_id))) {
        try {
          const { settled, repaired } = await settlePendingOf(tokenId, cutoff);
          report.settled += settled;
          if (repaired) report.repaired += 1;
        } catch (error) {
          if (!(error instanceof NetworkFailure)) throw error;
          report.failed += 1;
        }
      }
      if (options.sweep !== false) {
        let after = '';
        sweep: for (;;) {
          const rows = await dal.liveTokens(after, RECONCILE_BATCH);
          if (rows.length === 0) break;
          for (const row of rows) {
            after = row.id;
            try {
              const repaired = await perToken.run(row.id, async () => {
                const token = await deps.gateway().getToken(row.network as PaymentNetwork, row.token_ref);
                // A change younger than the grace period may still have its notification on the way: left to it.
                if (!token || token.updatedAt > cutoff) return false;
                return transact((tx) => resync(tx, row.id, token, [], 'drift found by the reconciler'));
              });
              report.checked += 1;
              if (repaired) report.repaired += 1;
            } catch (error) {
              if (!(error instanceof NetworkFailure)) throw error;
              // The network is not answering: the next run compares the rest.
              report.failed += 1;
              break sweep;
            }
          }
        }
      }
      report.pending = await dal.countPendingOperations();
      return report;
    },

    /** Sandbox: a wallet provisions a card, through the network, as it would in the field. */
    async provision(input: ProvisionInput) {
      const card = await dal.findCard(input.card_id);
      if (!card) throw new NotFound('card');
      const network = input.network ?? networkOfBrand(card.brand);
      if (!network) {
        throw new InvalidInput({
          field: 'network',
          reason: 'unsupported',
          message: 'the simulated networks tokenize Visa (vts) and Mastercard (mdes) cards only',
        });
      }
      if (networkOfBrand(card.brand) !== network) {
        throw new InvalidInput({
          field: 'network',
          reason: 'unsupported',
          message: `a ${card.brand ?? 'card of unknown brand'} cannot be tokenized on ${network}`,
        });
      }
      const secret = await sealed.open<IssuerCardSecret>(ISSUER_OWNER, `card:${card.id}`, { sealed: card.card_sealed, keyVersion: card.key_version });
      const outcome = await deps.gateway().provision({
        network,
        wallet: input.wallet,
        pan: secret.pan,
        expiryMonth: card.expiry_month,
        expiryYear: card.expiry_year,
        cardholderName: secret.cardholderName,
        ...(input.device_id ? { deviceId: input.device_id } : {}),
        ...(input.decision ? { forcedDecision: input.decision } : {}),
      });
      if (!outcome.approved) throw new Declined(outcome.reason);
      const row = await dal.findTokenByRef(outcome.token.tokenRef);
      if (!row) throw new Error('the network acknowledged a token it never notified');
      return { token_id: row.id, status: row.status, token_ref: row.token_ref, pan_ref: row.pan_ref, payment_network: row.network };
    },

    /** Sandbox: a token requestor or cardholder acts on a token at the network; the network then notifies us. */
    async walletEvent(tokenId: string, event: WalletEvent) {
      const row = await dal.findToken(tokenId);
      if (!row) throw new NotFound('token');
      const token = await deps.gateway().walletEvent({ network: row.network as PaymentNetwork, tokenRef: row.token_ref, event });
      const stored = await dal.findToken(tokenId);
      if (!stored) throw new Error('token vanished during a wallet event');
      return { token_id: tokenId, status: stored.status, network_status: token.status };
    },
  };
}

export type IssuerTokenService = ReturnType<typeof createIssuerTokenService>;
