/**
 * The Pismo-compatible issuer side: network tokens of an account's cards, their lifecycle, Visa device binding,
 * and the issuer's half of provisioning (the network asks for a decision, then notifies the token it made).
 *
 * A state change is written only after the network acknowledged it, with the network's own answer; a failure
 * leaves the stored state as it was. Operations on one token run one at a time, and every write is guarded by
 * the network's version number, so a late or replayed notification can never roll a token back.
 */
import { randomInt } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database, NetworkTokensTable } from '../store/schema.js';
import { Conflict, Declined, InvalidInput, NetworkFailure, NotFound } from '../errors.js';
import { checkExpiry } from '../cards/index.js';
import type { SealedData } from '../keys/sealed-data.js';
import { emitEvent, recordAudit } from '../ledger/ledger.js';
import type { Tx } from '../store/transactions.js';
import { isUniqueViolation } from '../store/errors.js';
import { compileOnce } from '../store/compiled-query.js';
import type { Transact } from '../store/transactions.js';
import type { Clock } from '../clock.js';
import { createKeyedMutex } from '../keyed-mutex.js';
import type {
  Decision,
  DecisionRequest,
  FaultSpec,
  IssuerCallbacks,
  NetworkGateway,
  NetworkToken,
  PaymentNetwork,
  Suspender,
  Wallet,
  WalletEvent,
} from '../network/types.js';
import { ERR } from './error-codes.js';
import { isLegalCardLevel, planOperation, type TokenOperation, type TokenState } from './operations.js';
import type { IssuerCardSecret } from './issuer-admin.js';
import { ISSUER_OWNER } from './owner.js';

export type NetworkTokenRow = Selectable<NetworkTokensTable>;

/** Who acts: the account token's subject and the client-supplied operator id. */
export interface IssuerCaller {
  accountId: number;
  subject: string;
  operatorId?: string;
}

export interface StoredDevice {
  device_id: string;
  device_index: number;
  status: 'ACTIVE' | 'INACTIVE';
}

export interface IssuerTokenView {
  row: NetworkTokenRow;
  account: { id: number; org_id: string; program_id: string };
  devices: StoredDevice[];
  networkData: Record<string, unknown>;
}

export interface ProvisionInput {
  card_id: number;
  network?: PaymentNetwork;
  wallet: Wallet;
  device_id?: string;
  decision?: Decision;
}

const actorOf = (caller: IssuerCaller) =>
  `account:${caller.accountId}/sub:${caller.subject}${caller.operatorId ? `/operator:${caller.operatorId}` : ''}`;

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

export function createIssuerTokenService(deps: { db: Kysely<Database>; transact: Transact; sealed: SealedData; clock: Clock; gateway: () => NetworkGateway }) {
  const { db, transact, sealed, clock } = deps;
  const perToken = createKeyedMutex();

  const stateOf = (row: NetworkTokenRow): TokenState => ({
    network: row.network as PaymentNetwork,
    status: row.status as TokenState['status'],
    suspenders: JSON.parse(row.suspenders) as Suspender[],
    devices: JSON.parse(row.devices) as StoredDevice[],
  });

  async function findCardOf(accountId: number, cardId: number) {
    const card = await db.selectFrom('issuer_cards').selectAll().where('id', '=', cardId).where('account_id', '=', accountId).executeTakeFirst();
    if (!card) throw new NotFound('card', ERR.cardNotFound);
    return card;
  }

  /** Ownership is part of every lookup: a token of another account or card is simply not found. */
  const tokenOfAccount = compileOnce<NetworkTokenRow, 'token' | 'card' | 'account'>((param) =>
    db
      .selectFrom('network_tokens')
      .selectAll()
      .where('id', '=', param('token'))
      .where('card_id', '=', param('card') as unknown as number)
      .where('account_id', '=', param('account') as unknown as number),
  );
  async function findToken(accountId: number, cardId: number, tokenId: string): Promise<NetworkTokenRow> {
    const { rows } = await db.executeQuery(tokenOfAccount({ token: tokenId, card: cardId, account: accountId }));
    const row = rows[0];
    if (!row) throw new NotFound('token', ERR.tokenNotFound);
    return row;
  }

  // An account's tenant and program never change, so they are read once per account.
  const accounts = new Map<number, IssuerTokenView['account']>();
  async function accountOf(accountId: number): Promise<IssuerTokenView['account'] | undefined> {
    const known = accounts.get(accountId);
    if (known) return known;
    const account = await db.selectFrom('accounts').select(['id', 'org_id', 'program_id']).where('id', '=', accountId).executeTakeFirst();
    if (account) accounts.set(accountId, account);
    return account;
  }

  async function view(row: NetworkTokenRow): Promise<IssuerTokenView> {
    const account = await accountOf(row.account_id);
    if (!account) throw new Error('token of a missing account');
    return { row, account, devices: JSON.parse(row.devices) as StoredDevice[], networkData: JSON.parse(row.network_data) as Record<string, unknown> };
  }

  /**
   * Writes the network's answer if it is newer than what we hold, and returns the row it replaced. The row is read
   * inside the transaction and written only if still at the version read (compare-and-set), so `before` is what
   * this answer really replaced even while a notification of the same token commits concurrently: the audit trail
   * then chains (each record starts where the previous one ended) and no stale patch event follows a newer one.
   */
  async function applyNetworkState(tx: Tx, tokenId: string, token: NetworkToken): Promise<{ before: NetworkTokenRow; after: NetworkTokenRow; applied: boolean }> {
    const changes = {
      status: token.status,
      suspenders: JSON.stringify(token.suspenders),
      devices: JSON.stringify(toStoredDevices(token)),
      network_data: JSON.stringify(token.networkData),
      network_version: token.version,
      updated_at: clock().toISOString(),
    };
    for (;;) {
      const before = await tx.selectFrom('network_tokens').selectAll().where('id', '=', tokenId).executeTakeFirstOrThrow();
      if (before.network_version >= token.version) return { before, after: before, applied: false };
      const result = await tx
        .updateTable('network_tokens')
        .set(changes)
        .where('id', '=', tokenId)
        .where('network_version', '=', before.network_version)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return { before, after: { ...before, ...changes }, applied: true };
      // Another writer committed a newer version between the read and the write: read again.
    }
  }

  async function audit(tx: Tx, actor: string, action: string, row: NetworkTokenRow, before: string | null, after: string | null, reason: string | null, detail?: Record<string, unknown>) {
    const at = clock();
    await recordAudit(tx, { actor, action, objectType: 'network_token', objectId: row.id, statusBefore: before, statusAfter: after, reason, ...(detail ? { detail } : {}) }, at);
    if (before !== after) {
      await emitEvent(tx, 'patch', { account_id: row.account_id, card_id: row.card_id, token_id: row.id, patch: { status: after } }, at);
    }
  }

  /** Sends one operation to the network and commits its acknowledged result, with the audit record. */
  async function operate(caller: IssuerCaller, row: NetworkTokenRow, operation: string, reason: string, call: (gateway: NetworkGateway) => Promise<NetworkToken>) {
    let token: NetworkToken;
    try {
      token = await call(deps.gateway());
    } catch (error) {
      if (error instanceof NetworkFailure) {
        // Nothing changes here, but the attempt reached the network, which may have acted on a call whose answer
        // never came (a timeout): the trail must show it.
        await transact((tx) =>
          audit(tx, actorOf(caller), `token.${operation.toLowerCase()}.failed`, row, row.status, row.status, reason, { operation, network_failure: error.mode }),
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

  async function nextTokenId(): Promise<string> {
    return String(randomInt(1_000_000_000, 10_000_000_000));
  }

  const callbacks: IssuerCallbacks = {
    async decide(req: DecisionRequest): Promise<Decision> {
      const fingerprint = await sealed.panFingerprint(ISSUER_OWNER, req.pan);
      const card = await db.selectFrom('issuer_cards').selectAll().where('fingerprint', '=', fingerprint).executeTakeFirst();
      if (!card) return 'RED';
      await db
        .insertInto('pan_references')
        .values({ pan_ref: req.panRef, card_id: card.id, network: req.network })
        .onConflict((oc) => oc.column('pan_ref').doNothing())
        .execute();
      if (req.forcedDecision) return req.forcedDecision;
      const account = await db.selectFrom('accounts').select('status').where('id', '=', card.account_id).executeTakeFirst();
      if (card.status !== 'ACTIVE' || account?.status !== 'ACTIVE') return 'RED';
      if (checkExpiry(card.expiry_month, card.expiry_year, clock()) !== 'ok') return 'RED';
      if (req.expiryMonth !== card.expiry_month || req.expiryYear !== card.expiry_year) return 'YELLOW';
      return 'GREEN';
    },

    async notify(token: NetworkToken): Promise<void> {
      const existing = await db.selectFrom('network_tokens').selectAll().where('token_ref', '=', token.tokenRef).executeTakeFirst();
      if (existing) {
        await transact(async (tx) => {
          const { before, after, applied } = await applyNetworkState(tx, existing.id, token);
          if (applied) await audit(tx, `network:${token.network}`, 'token.network_update', before, before.status, after.status, null, { network_version: token.version });
        });
        return;
      }
      const reference = await db.selectFrom('pan_references').select('card_id').where('pan_ref', '=', token.panRef).executeTakeFirst();
      if (!reference) throw new Error('notification for a PAN reference this issuer never decided on');
      const card = await db.selectFrom('issuer_cards').select(['id', 'account_id']).where('id', '=', reference.card_id).executeTakeFirstOrThrow();
      const now = clock().toISOString();
      for (let attempt = 1; ; attempt++) {
        const row: NetworkTokenRow = {
          id: await nextTokenId(),
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
            await tx.insertInto('network_tokens').values(row).execute();
            // Stamped with the server's clock, as every other record of the token (not the wall clock).
            const at = new Date(now);
            await recordAudit(tx, { actor: `network:${token.network}`, action: 'token.provisioned', objectType: 'network_token', objectId: row.id, statusAfter: row.status }, at);
            await emitEvent(tx, 'notification', { account_id: row.account_id, card_id: row.card_id, token_id: row.id, status: row.status, payment_network: row.network }, at);
          });
          return;
        } catch (error) {
          // A duplicate notification of the same token is fine; a token id collision draws again.
          const duplicate = await db.selectFrom('network_tokens').select('id').where('token_ref', '=', token.tokenRef).executeTakeFirst();
          if (duplicate) return;
          if (!isUniqueViolation(error) || attempt >= 5) throw error;
        }
      }
    },
  };

  return {
    callbacks,

    /** The tenant (org_id) an account belongs to; undefined for an unknown account. */
    async accountTenant(accountId: number): Promise<string | undefined> {
      return (await accountOf(accountId))?.org_id;
    },

    async get(accountId: number, cardId: number, tokenId: string): Promise<IssuerTokenView> {
      return view(await findToken(accountId, cardId, tokenId));
    },

    async list(accountId: number, cardId: number): Promise<IssuerTokenView[]> {
      await findCardOf(accountId, cardId);
      const rows = await db.selectFrom('network_tokens').selectAll().where('card_id', '=', cardId).where('account_id', '=', accountId).orderBy('created_at').execute();
      return Promise.all(rows.map(view));
    },

    async perform(caller: IssuerCaller, cardId: number, tokenId: string, input: { operation_type: TokenOperation; operation_reason: string; activation_code?: string }): Promise<void> {
      await findToken(caller.accountId, cardId, tokenId);
      await perToken.run(tokenId, async () => {
        // Read again inside the per-token turn: the state the plan is made from is the one the network will see.
        const row = await findToken(caller.accountId, cardId, tokenId);
        const plan = planOperation(input.operation_type, stateOf(row), input.activation_code);
        await operate(caller, row, input.operation_type, input.operation_reason, (gateway) =>
          plan.kind === 'lifecycle'
            ? gateway.lifecycle({ network: row.network as PaymentNetwork, tokenRef: row.token_ref, action: plan.action, entity: 'ISSUER', reason: input.operation_reason })
            : gateway.approveLatestInactiveDevice({ network: row.network as PaymentNetwork, tokenRef: row.token_ref, method: plan.method }),
        );
      });
    },

    /**
     * Applies the operation to every token of the card for which it is legal; the others are skipped. Not atomic:
     * each token commits after its own network ack, and a network failure on one is answered after all were tried.
     */
    async performOnCard(caller: IssuerCaller, cardId: number, input: { operation_type: 'SUSPEND' | 'RESUME' | 'DELETE'; operation_reason: string }) {
      await findCardOf(caller.accountId, cardId);
      const ids = await db.selectFrom('network_tokens').select('id').where('card_id', '=', cardId).where('account_id', '=', caller.accountId).execute();
      if (ids.length === 0) throw new NotFound('token', ERR.tokenNotFound);
      const applied: string[] = [];
      const skipped: string[] = [];
      let failure: NetworkFailure | undefined;
      for (const { id } of ids) {
        try {
          await perToken.run(id, async () => {
            const row = await findToken(caller.accountId, cardId, id);
            if (!isLegalCardLevel(input.operation_type, stateOf(row))) {
              skipped.push(id);
              return;
            }
            await operate(caller, row, input.operation_type, input.operation_reason, (gateway) =>
              gateway.lifecycle({ network: row.network as PaymentNetwork, tokenRef: row.token_ref, action: input.operation_type, entity: 'ISSUER', reason: input.operation_reason }),
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

    async bindDevice(
      caller: IssuerCaller,
      cardId: number,
      tokenId: string,
      deviceId: string,
      input: { operation_type: string; operation_reason: string; device_index: number; activation_code?: string },
    ): Promise<void> {
      await findToken(caller.accountId, cardId, tokenId);
      await perToken.run(tokenId, async () => {
        const row = await findToken(caller.accountId, cardId, tokenId);
        const state = stateOf(row);
        if (state.network !== 'vts') throw new Conflict('device binding is only available for Visa (vts) tokens', ERR.unsupportedForNetwork);
        if (state.status === 'DEACTIVATED') throw new Conflict('the token is deactivated', ERR.illegalTransition);
        if (input.operation_type === 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER' && !input.activation_code) {
          throw new InvalidInput({ 'body.activation_code': 'is required' }, 'activation_code is required for TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER', ERR.activationCodeRequired);
        }
        const device = (JSON.parse(row.devices) as StoredDevice[]).find((d) => d.device_id === deviceId);
        if (!device) throw new Conflict('the device is not bound to this token', ERR.deviceNotBound);
        if (device.device_index !== input.device_index) throw new Conflict('device_index does not match the device', ERR.deviceNotBound);
        const action = input.operation_type === 'TOKEN_DEVICE_BINDING_REMOVE' ? 'REMOVE' : 'APPROVE';
        if (action === 'APPROVE' && device.status === 'ACTIVE') throw new Conflict('the device binding is already approved', ERR.illegalTransition);
        await operate(caller, row, input.operation_type, input.operation_reason, (gateway) =>
          gateway.deviceBinding({ network: 'vts', tokenRef: row.token_ref, deviceId, deviceIndex: input.device_index, action, reason: input.operation_reason }),
        );
      });
    },

    /** Sandbox: a wallet provisions a card, through the network, as it would in the field. */
    async provision(input: ProvisionInput) {
      const card = await db.selectFrom('issuer_cards').selectAll().where('id', '=', input.card_id).executeTakeFirst();
      if (!card) throw new NotFound('card');
      const network = input.network ?? (card.brand === 'VISA' ? 'vts' : card.brand === 'MASTERCARD' ? 'mdes' : undefined);
      if (!network) throw new InvalidInput({ 'body.network': 'the simulated networks tokenize Visa (vts) and Mastercard (mdes) cards only' });
      if ((network === 'vts' && card.brand !== 'VISA') || (network === 'mdes' && card.brand !== 'MASTERCARD')) {
        throw new InvalidInput({ 'body.network': `a ${card.brand ?? 'card of unknown brand'} cannot be tokenized on ${network}` });
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
      const row = await db.selectFrom('network_tokens').selectAll().where('token_ref', '=', outcome.token.tokenRef).executeTakeFirstOrThrow();
      return { token_id: row.id, status: row.status, token_ref: row.token_ref, pan_ref: row.pan_ref, payment_network: row.network };
    },

    /** Sandbox: a token requestor or cardholder acts on a token at the network; the network then notifies us. */
    async walletEvent(tokenId: string, event: WalletEvent) {
      const row = await db.selectFrom('network_tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
      if (!row) throw new NotFound('token');
      const token = await deps.gateway().walletEvent({ network: row.network as PaymentNetwork, tokenRef: row.token_ref, event });
      const stored = await db.selectFrom('network_tokens').select(['status']).where('id', '=', tokenId).executeTakeFirstOrThrow();
      return { token_id: tokenId, status: stored.status, network_status: token.status };
    },

    injectFault: (fault: FaultSpec) => deps.gateway().injectFault(fault),
  };
}

export type IssuerTokenService = ReturnType<typeof createIssuerTokenService>;
