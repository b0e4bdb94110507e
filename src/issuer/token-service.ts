/**
 * The Pismo-compatible issuer side: network tokens of an account's cards, their lifecycle, Visa device binding,
 * and the issuer's half of provisioning (the network asks for a decision, then notifies the token it made).
 *
 * A state change is written only after the network acknowledged it, with the network's own answer; a failure
 * leaves the stored state as it was. Operations on one token run one at a time, and every write is guarded by
 * the network's version number, so a late or replayed notification can never roll a token back.
 */
import { randomInt } from 'node:crypto';
import { Declined, InvalidInput, NetworkFailure, NotFound } from '../errors.js';
import { checkExpiry } from '../cards/index.js';
import type { SealedData } from '../keys/sealed-data.js';
import { emitEvent, recordAudit } from '../ledger/ledger.js';
import { isUniqueViolation } from '../store/errors.js';
import type { Transact, UnitOfWork } from '../store/transactions.js';
import type { Clock } from '../clock.js';
import { createKeyedMutex } from '../keyed-mutex.js';
import { ISSUER_OWNER } from '../owners.js';
import { withRetry } from '../retry.js';
import type { Decision, DecisionRequest, IssuerCallbacks, NetworkToken, PaymentNetwork, Suspender, WalletEvent } from '../network/types.js';
import type { NetworkGateway } from '../network/gateway.js';
import type { SandboxNetwork } from '../network/sandbox.js';
import { networkOfBrand } from '../network/providers.js';
import type { IssuerDal, NetworkTokenChanges, NetworkTokenRow } from './dal.js';
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
>;

export interface IssuerTokenServiceDeps {
  dal: IssuerTokenDal;
  transact: Transact;
  sealed: Pick<SealedData, 'panFingerprint' | 'open'>;
  clock: Clock;
  gateway: () => SandboxNetwork;
}

/** Attempts at drawing a token id that is not taken yet. */
const TOKEN_ID_ATTEMPTS = 5;
/** Attempts at the compare-and-set of a network answer; each lost race means a newer version was committed. */
const APPLY_ATTEMPTS = 10;

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
      { actor, action, objectType: 'network_token', objectId: row.id, statusBefore: before, statusAfter: after, reason, ...(detail ? { detail } : {}) },
      at,
    );
    if (before !== after) {
      await emitEvent(tx, 'patch', { account_id: row.account_id, card_id: row.card_id, token_id: row.id, patch: { status: after } }, at);
    }
  }

  /** Sends one operation to the network and commits its acknowledged result, with the audit record. */
  async function operate(
    caller: IssuerCaller,
    row: NetworkTokenRow,
    operation: string,
    reason: string,
    call: (gateway: NetworkGateway) => Promise<NetworkToken>,
  ) {
    let token: NetworkToken;
    try {
      token = await call(deps.gateway());
    } catch (error) {
      if (error instanceof NetworkFailure) {
        // Nothing changes here, but the attempt reached the network, which may have acted on a call whose answer
        // never came (a timeout): the trail must show it.
        await transact((tx) =>
          audit(tx, actorOf(caller), `token.${operation.toLowerCase()}.failed`, row, row.status, row.status, reason, {
            operation,
            network_failure: error.mode,
          }),
        );
      }
      throw error;
    }
    return transact(async (tx) => {
      const { before, after, applied } = await applyNetworkState(tx, row.id, token);
      // A superseded answer (a newer state is already stored) is still audited, as changing nothing.
      const devices = applied ? deviceChanges(before.devices, after.devices) : [];
      const detail = {
        operation,
        network_version: token.version,
        ...(devices.length > 0 ? { devices } : {}),
        ...(applied ? {} : { superseded: true }),
      };
      await audit(tx, actorOf(caller), `token.${operation.toLowerCase()}`, before, before.status, after.status, reason, detail);
      return after;
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
              { actor: `network:${token.network}`, action: 'token.provisioned', objectType: 'network_token', objectId: row.id, statusAfter: row.status },
              at,
            );
            await emitEvent(
              tx,
              'notification',
              { account_id: row.account_id, card_id: row.card_id, token_id: row.id, status: row.status, payment_network: row.network },
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
    async decide(req: DecisionRequest): Promise<Decision> {
      const fingerprint = await sealed.panFingerprint(ISSUER_OWNER, req.pan);
      const card = await dal.findCardByFingerprint(fingerprint);
      if (!card) return 'RED';
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
      await perToken.run(tokenId, async () => {
        // Read again inside the per-token turn: the state the plan is made from is the one the network will see.
        const row = await findToken(caller.accountId, cardId, tokenId);
        const plan = planOperation(input.operation, stateOf(row), input.activationCode);
        await operate(caller, row, input.operation, input.reason, (gateway) =>
          plan.kind === 'lifecycle'
            ? gateway.lifecycle({
                network: row.network as PaymentNetwork,
                tokenRef: row.token_ref,
                action: plan.action,
                entity: 'ISSUER',
                reason: input.reason,
              })
            : gateway.approveLatestInactiveDevice({ network: row.network as PaymentNetwork, tokenRef: row.token_ref, method: plan.method }),
        );
      });
    },

    /**
     * Applies the operation to every token of the card for which it is legal; the others are skipped. Not atomic:
     * each token commits after its own network ack, and a network failure on one is answered after all were tried.
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
          await perToken.run(id, async () => {
            const row = await findToken(caller.accountId, cardId, id);
            if (!isLegalCardLevel(input.operation, stateOf(row))) {
              skipped.push(id);
              return;
            }
            await operate(caller, row, input.operation, input.reason, (gateway) =>
              gateway.lifecycle({
                network: row.network as PaymentNetwork,
                tokenRef: row.token_ref,
                action: input.operation,
                entity: 'ISSUER',
                reason: input.reason,
              }),
            );
            applied.push(id);
          });
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
      await perToken.run(tokenId, async () => {
        const row = await findToken(caller.accountId, cardId, tokenId);
        const action = planDeviceBinding(stateOf(row), deviceId, input);
        await operate(caller, row, input.operation, input.reason, (gateway) =>
          gateway.deviceBinding({
            network: row.network as PaymentNetwork,
            tokenRef: row.token_ref,
            deviceId,
            deviceIndex: input.deviceIndex,
            action,
            reason: input.reason,
          }),
        );
      });
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
