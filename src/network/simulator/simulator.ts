/**
 * The simulated card network: every network of providers.ts behind one engine, what differs between them coming
 * from their providers. It is authoritative for token state: the issuer asks, the network applies its rules
 * (state-machine.ts) and answers. Each operation on a token runs alone and in arrival order (keyed mutex), and a
 * queued fault fails a call before it reads or writes anything (or, 'lost_answer', after it applied it). A change
 * request carrying an idempotency key is applied at most once; the key's first answer is kept with the state.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isLuhnValid } from '../../cards/luhn.js';
import { detectBrand } from '../../cards/brand.js';
import { systemClock, type Clock } from '../../clock.js';
import { NetworkFailure } from '../../errors.js';
import { createKeyedMutex } from '../../keyed-mutex.js';
import { withRetry } from '../../retry.js';
import { randomIds, type IdSource } from '../ids.js';
import { providerOf, networkSupports } from '../providers.js';
import type { IssuerCallbacks, NetworkGateway, TokenRequestorCallbacks, TokenRequestorGateway } from '../gateway.js';
import type { SandboxControls } from '../sandbox.js';
import {
  ISSUER_ANSWERS,
  type ApproveDeviceRequest,
  type AuthorizationDeclineReason,
  type AuthorizationOutcome,
  type AuthorizationRequest,
  type Cryptogram,
  type CryptogramRequest,
  type CardOnFileOutcome,
  type CardOnFileRequest,
  type Decision,
  type DeviceBindingRequest,
  type IssuerAnswer,
  type FaultSpec,
  type LifecycleRequest,
  type NetworkDevice,
  type NetworkOperation,
  type NetworkToken,
  type PaymentNetwork,
  type ProvisionOutcome,
  type ProvisionRequest,
  type TokenRequestorLifecycleRequest,
  type WalletEventRequest,
} from '../types.js';
import { CRYPTOGRAM_VALIDITY_MS, ECI, createCryptogramCodec } from './cryptograms.js';
import { externalIssuerDecision } from './external-issuer.js';
import { createFaultQueue, createHeldCalls, faultError } from './faults.js';
import { CARD_ON_FILE_TOKEN_LENGTH, createTokenNumbers } from './token-numbers.js';
import { createPanReferenceRegistry } from './pan-references.js';
import { applyLifecycle, approveDevice, approveLatestInactiveDevice, refuse, removeDevice, requestDeviceBinding } from './state-machine.js';
import { createMemorySimulatorStore, type IdempotentAnswer, type SimulatorRecord, type SimulatorStore } from './store.js';

/** The subset of a pino logger the simulator uses. */
export interface SimulatorLogger {
  warn(obj: object, msg: string): void;
}

export interface SimulatorOptions {
  callbacks: IssuerCallbacks;
  /** Told of changes to card-on-file tokens made by others than their token requestor (issuer, wallet events). */
  requestorCallbacks?: TokenRequestorCallbacks;
  store?: SimulatorStore;
  /**
   * Key of the HMAC under which each card's PAN reference is kept. Default: random, which suits only a store that
   * dies with the process; a persistent store needs the same key on every start, or known cards get new references.
   */
  panReferenceKey?: Buffer;
  clock?: Clock;
  /** Identifier generators; tests inject them to observe values the network never reveals (the token number). */
  ids?: IdSource;
  /** How long a 'timeout' fault holds a call before failing it; must exceed every client timeout. Default 60 s. */
  timeoutFaultHoldMs?: number;
  logger?: SimulatorLogger;
}

/** The network's production operations and its sandbox controls, plus what tests and the CLI inspect. */
export interface Simulator extends NetworkGateway, TokenRequestorGateway, SandboxControls {
  /** Fails every held call and refuses new ones; leaves no timer behind. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_FAULT_HOLD_MS = 60_000;
/** Network tokens outlive the card they stand for; three years is the usual validity. */
const TOKEN_VALIDITY_YEARS = 3;
/**
 * Reads of a token another instance sharing the store changed meanwhile; each lost race means that instance made
 * progress, so a handful is plenty.
 */
const MAX_UPDATE_ATTEMPTS = 10;
/** Draws of a fresh token reference; a collision of random references is already rare, five in a row never happen. */
const MAX_TOKEN_REF_DRAWS = 5;

/** An update lost to another writer of the same token: read it again and re-apply. */
class LostUpdate extends Error {}
/** A freshly drawn token reference that is already taken: draw again. */
class TokenRefTaken extends Error {}

export function createSimulator(options: SimulatorOptions): Simulator {
  const { callbacks } = options;
  const store = options.store ?? createMemorySimulatorStore();
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const logger = options.logger;
  const faults = createFaultQueue();
  const held = createHeldCalls(options.timeoutFaultHoldMs ?? DEFAULT_TIMEOUT_FAULT_HOLD_MS);
  const mutex = createKeyedMutex();
  const simulatorKey = options.panReferenceKey ?? randomBytes(32);
  const panRefs = createPanReferenceRegistry(ids, store, simulatorKey);
  const tokenNumbers = createTokenNumbers(simulatorKey);
  const cryptograms = createCryptogramCodec(simulatorKey);
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new NetworkFailure('error', 'network simulator is closed');
  }

  /**
   * Runs a call under its queued fault, if any. The fault is taken synchronously at call arrival (callers invoke
   * this before their first await), so faults are consumed in call order and before any state is read. 'timeout'
   * holds the call without applying it; 'lost_answer' applies it, then holds its answer; the others throw.
   */
  function faulted<T>(network: PaymentNetwork, operation: NetworkOperation, run: () => Promise<T>): Promise<T> {
    let mode: FaultSpec['mode'] | undefined;
    try {
      assertOpen();
      mode = faults.take(network, operation);
    } catch (error) {
      return Promise.reject(error);
    }
    if (mode === undefined) return run();
    if (mode === 'timeout') return held.hold();
    if (mode === 'lost_answer') return run().then(() => held.hold());
    return Promise.reject(faultError(mode));
  }

  async function load(network: PaymentNetwork, tokenRef: string): Promise<SimulatorRecord> {
    const record = await store.get(tokenRef);
    if (!record || record.token.network !== network) refuse('token not found');
    return record;
  }

  /** Every accepted change bumps the version and re-renders the network's own record. */
  function stamp(record: SimulatorRecord, at: string): SimulatorRecord {
    record.token.version += 1;
    record.token.updatedAt = at;
    record.token.networkData = providerOf(record.token.network).renderNetworkData(record);
    return record;
  }

  /** The first answer to a key, replayed: the same token, or the same refusal; a key reused for another request is refused. */
  function replay(answer: IdempotentAnswer, request: string): NetworkToken {
    if (answer.request !== request) refuse('idempotency key already used for another request');
    if (answer.outcome === 'refused') refuse(answer.message ?? 'refused');
    return answer.token!;
  }

  /**
   * Read-modify-write of one token, alone among the operations on that token. With an idempotency key, a key seen
   * before is answered with its first answer, and the change and its answer are stored in one write; a refusal is
   * kept too, so the same key is refused alike.
   */
  function change(
    network: PaymentNetwork,
    tokenRef: string,
    apply: (record: SimulatorRecord, at: string) => SimulatorRecord,
    idempotency?: { key: string; request: string },
  ): Promise<NetworkToken> {
    return mutex.run(tokenRef, async () => {
      try {
        return await withRetry(
          async () => {
            const first = idempotency && (await store.answerOf(idempotency.key));
            if (first) return replay(first, idempotency.request);
            const record = await load(network, tokenRef);
            const previousVersion = record.token.version;
            const at = clock().toISOString();
            const next = stamp(apply(record, at), at);
            const answer: IdempotentAnswer | undefined = idempotency && {
              key: idempotency.key,
              network,
              tokenRef,
              request: idempotency.request,
              outcome: 'applied',
              token: next.token,
              at,
            };
            // Lost only to another instance sharing the store (this one serializes per token), which changed the
            // token or answered the same key: read again, and apply to its result or replay its answer.
            if (await store.update(next, previousVersion, answer)) return next.token;
            throw new LostUpdate();
          },
          { attempts: MAX_UPDATE_ATTEMPTS, retryOn: (error) => error instanceof LostUpdate },
        );
      } catch (error: unknown) {
        if (error instanceof LostUpdate) throw new NetworkFailure('error', 'token kept changing, try again');
        if (idempotency && error instanceof NetworkFailure && error.mode === 'bad_request') {
          const first = await store.rememberAnswer({
            key: idempotency.key,
            network,
            tokenRef,
            request: idempotency.request,
            outcome: 'refused',
            message: error.message,
            at: clock().toISOString(),
          });
          return replay(first, idempotency.request);
        }
        throw error;
      }
    });
  }

  async function uniqueTokenRef(req: ProvisionRequest): Promise<string> {
    return withRetry(
      async () => {
        const ref = ids.tokenRef(req.network, req.wallet);
        if (await store.get(ref)) throw new TokenRefTaken();
        return ref;
      },
      { attempts: MAX_TOKEN_REF_DRAWS, retryOn: (error) => error instanceof TokenRefTaken },
    ).catch((error: unknown) => {
      throw error instanceof TokenRefTaken ? new NetworkFailure('error', 'no free token reference') : error;
    });
  }

  async function askIssuer(
    req: Pick<ProvisionRequest, 'network' | 'wallet' | 'pan' | 'expiryMonth' | 'expiryYear' | 'forcedDecision'>,
    panRef: string,
    tokenRequestorId: string,
  ): Promise<IssuerAnswer> {
    let decision: IssuerAnswer;
    try {
      decision = await callbacks.decide({
        network: req.network,
        wallet: req.wallet,
        pan: req.pan,
        expiryMonth: req.expiryMonth,
        expiryYear: req.expiryYear,
        panRef,
        tokenRequestorId,
        ...(req.forcedDecision ? { forcedDecision: req.forcedDecision } : {}),
      });
    } catch (err) {
      logger?.warn({ network: req.network, panRef, error: errorMessage(err) }, 'issuer decision failed');
      throw new NetworkFailure('error', 'issuer decision failed');
    }
    if (!ISSUER_ANSWERS.includes(decision)) throw new NetworkFailure('error', 'issuer answered an unknown decision');
    return decision;
  }

  function provision(req: ProvisionRequest): Promise<ProvisionOutcome> {
    return faulted(req.network, 'provision', () => provisionNow(req));
  }

  async function provisionNow(req: ProvisionRequest): Promise<ProvisionOutcome> {
    // Messages never echo the PAN or its parts.
    if (!/^[0-9]{12,19}$/.test(req.pan) || !isLuhnValid(req.pan)) refuse('invalid pan');
    if (!Number.isInteger(req.expiryMonth) || req.expiryMonth < 1 || req.expiryMonth > 12) refuse('invalid expiry month');
    if (!Number.isInteger(req.expiryYear) || req.expiryYear < 0) refuse('invalid expiry year');
    // Eligibility: each network carries its own brand only (VTS Visa, MDES Mastercard); anything else is declined
    // before the issuer is asked.
    const provider = providerOf(req.network);
    if (detectBrand(req.pan) !== provider.brand) {
      return { approved: false, reason: `card is not eligible for ${req.network}` };
    }

    const { panRef, par } = await panRefs.lookup(req.network, req.pan);
    const requestor = provider.tokenRequestors[req.wallet];
    const answer = await askIssuer(req, panRef, requestor.id);
    // A wallet provisions cards of Tessera's issuer side only: a card it does not issue is declined.
    if (answer === 'RED' || answer === 'UNKNOWN_CARD') return { approved: false, reason: 'declined by issuer' };
    const decision: Decision = answer;

    const createdAt = clock();
    const at = createdAt.toISOString();
    const tokenRef = await uniqueTokenRef(req);
    // The token number exists only here: the network shows issuers its last four, never the number.
    const tokenNumber = ids.networkTokenNumber(req.pan);
    const status = decision === 'GREEN' ? 'ACTIVE' : 'INACTIVE';
    // On a network with device binding, the device the wallet provisions to is the token's first binding.
    const devices: NetworkDevice[] =
      networkSupports(req.network, 'deviceBinding') && req.deviceId ? [{ deviceId: req.deviceId, deviceIndex: 0, status, updatedAt: at }] : [];
    const assigned = provider.provisioningIdentifiers(req.wallet, ids);
    const record: SimulatorRecord = {
      token: {
        network: req.network,
        tokenRef,
        panRef,
        tokenLastFour: tokenNumber.slice(-4),
        tokenExpiryMonth: createdAt.getUTCMonth() + 1,
        tokenExpiryYear: createdAt.getUTCFullYear() + TOKEN_VALIDITY_YEARS,
        status,
        suspenders: [],
        walletId: requestor.walletId,
        tokenRequestorId: requestor.id,
        tokenRequestorName: requestor.name,
        paymentAppInstanceId: assigned.paymentAppInstanceId,
        trackingId: assigned.correlationId,
        par,
        devices,
        version: 0,
        networkData: {},
        updatedAt: at,
      },
      meta: {
        wallet: req.wallet,
        decision,
        panLastFour: req.pan.slice(-4),
        tokenLength: tokenNumber.length,
        correlationId: assigned.correlationId,
        walletAccountHash: assigned.walletAccountHash,
        createdAt: at,
        statusChangedAt: at,
        ...(decision === 'GREEN' ? { activatedAt: at } : {}),
        entityOfLastAction: 'TOKEN_REQUESTOR',
        suspendedAt: {},
        deletedFromConsumerApp: false,
        ...(devices.length > 0 ? { provisioningDeviceId: req.deviceId } : {}),
      },
    };
    stamp(record, at);

    // Stored before the issuer is told, so the issuer never holds a token its network does not know (e.g. after a
    // crash between the two); one the issuer did not take is forgotten again.
    await store.insert(record);
    try {
      await callbacks.notify(structuredClone(record.token));
    } catch (err) {
      logger?.warn({ network: req.network, tokenRef, error: errorMessage(err) }, 'issuer notification failed');
      // If even this fails, the network keeps a token nobody was told of: harmless, never used.
      await store
        .remove(tokenRef)
        .catch((removal: unknown) =>
          logger?.warn({ network: req.network, tokenRef, error: errorMessage(removal) }, 'could not forget an unacknowledged token'),
        );
      throw new NetworkFailure('error', 'issuer notification failed');
    }
    return { approved: true, token: record.token };
  }

  /** What a keyed request asks, free text excluded: a repeated key must ask exactly this again. */
  const keyed = (key: string | undefined, ...request: (string | number)[]) => (key ? { key, request: request.join(':') } : undefined);

  /**
   * Tells a card-on-file token's requestor of a change it did not make. The change stands even if delivery fails
   * (the requestor's reconciliation is its own affair, as an issuer's is).
   */
  async function deliverToRequestor(token: NetworkToken): Promise<void> {
    const requestor = options.requestorCallbacks;
    if (!requestor) return;
    if ((await store.get(token.tokenRef))?.meta.wallet !== 'CARD_ON_FILE') return;
    try {
      await requestor.notify(structuredClone(token));
    } catch (err) {
      logger?.warn(
        { network: token.network, tokenRef: token.tokenRef, version: token.version, error: errorMessage(err) },
        'token requestor notification failed',
      );
    }
  }

  function lifecycle(req: LifecycleRequest): Promise<NetworkToken> {
    return faulted(req.network, 'lifecycle', async () => {
      if (req.entity !== 'ISSUER') refuse('entity must be ISSUER');
      const token = await change(
        req.network,
        req.tokenRef,
        (record, at) => applyLifecycle(record, req.action, 'ISSUER', at),
        keyed(req.idempotencyKey, 'lifecycle', req.network, req.tokenRef, req.action),
      );
      await deliverToRequestor(token);
      return token;
    });
  }

  function deviceBinding(req: DeviceBindingRequest): Promise<NetworkToken> {
    return faulted(req.network, 'device_binding', () =>
      change(
        req.network,
        req.tokenRef,
        (record, at) => {
          switch (req.action) {
            case 'APPROVE':
              return approveDevice(record, req.deviceId, req.deviceIndex, at);
            case 'REMOVE':
              return removeDevice(record, req.deviceId, req.deviceIndex);
            default:
              return refuse('unknown device action');
          }
        },
        keyed(req.idempotencyKey, 'device_binding', req.network, req.tokenRef, req.deviceId, req.deviceIndex, req.action),
      ),
    );
  }

  function approveLatest(req: ApproveDeviceRequest): Promise<NetworkToken> {
    return faulted(req.network, 'device_binding', () =>
      change(
        req.network,
        req.tokenRef,
        (record, at) => approveLatestInactiveDevice(record, req.method, at),
        keyed(req.idempotencyKey, 'approve_latest_device', req.network, req.tokenRef, req.method),
      ),
    );
  }

  /** Notifications after a change the issuer did not ask for. The change stands even if delivery fails. */
  async function deliver(token: NetworkToken): Promise<void> {
    if ((await store.get(token.tokenRef))?.meta.externalIssuer) return;
    try {
      await callbacks.notify(structuredClone(token));
    } catch (err) {
      logger?.warn({ network: token.network, tokenRef: token.tokenRef, version: token.version, error: errorMessage(err) }, 'issuer notification failed');
    }
  }

  async function walletEvent(req: WalletEventRequest): Promise<NetworkToken> {
    assertOpen();
    const { event } = req;
    const token = await change(req.network, req.tokenRef, (record, at) => {
      switch (event.kind) {
        case 'SUSPEND':
        case 'RESUME':
          if (event.entity === ('ISSUER' as string)) refuse('wallet events cannot act as ISSUER');
          return applyLifecycle(record, event.kind, event.entity, at);
        case 'DELETE': {
          const next = applyLifecycle(record, 'DELETE', 'TOKEN_REQUESTOR', at);
          next.meta.deletedFromConsumerApp = true;
          return next;
        }
        case 'DEVICE_BINDING_REQUEST':
          return requestDeviceBinding(record, event.deviceId, at);
        default:
          return refuse('unknown wallet event');
      }
    });
    await deliver(token);
    await deliverToRequestor(token);
    return token;
  }

  /** What a card-on-file request asks, the PAN excluded (it is no part of any stored answer). */
  const cardOnFileAsk = (req: CardOnFileRequest) => `card_on_file:${req.network}:${req.tokenRequestorId}`;

  /** The first answer to a token requestor's key, as the token requestor is given it (the number derived again). */
  function cardOnFileOutcomeOf(answer: IdempotentAnswer): CardOnFileOutcome {
    if (answer.outcome === 'applied' && answer.token) {
      return { approved: true, token: answer.token, tokenNumber: tokenNumbers.numberOf(answer.network, answer.token.tokenRef) };
    }
    if (answer.outcome === 'refused') refuse(answer.message ?? 'refused');
    return { approved: false, reason: answer.message ?? 'declined' };
  }

  async function rememberCardOnFile(req: CardOnFileRequest, answer: Omit<IdempotentAnswer, 'key' | 'network' | 'request' | 'at'>): Promise<CardOnFileOutcome> {
    const first = await store.rememberAnswer({
      key: req.idempotencyKey,
      network: req.network,
      request: cardOnFileAsk(req),
      at: clock().toISOString(),
      ...answer,
    });
    return cardOnFileOutcomeOf(first);
  }

  /**
   * A token requestor asks for a card-on-file token: eligibility, then the card's issuer decides (Tessera's issuer
   * side, or the simulated external issuer for a card it does not issue); a green decision makes an ACTIVE token.
   * Requests with one idempotency key run one at a time here, and the key's first answer (a token, a decline) is
   * the answer to every repeat. A yellow decision declines: a card on file has no cardholder to step up [ours].
   */
  async function cardOnFileNow(req: CardOnFileRequest): Promise<CardOnFileOutcome> {
    const first = await store.answerOf(req.idempotencyKey);
    if (first) {
      if (first.request !== cardOnFileAsk(req)) refuse('idempotency key already used for another request');
      return cardOnFileOutcomeOf(first);
    }
    if (!/^[0-9]{12,19}$/.test(req.pan) || !isLuhnValid(req.pan)) refuse('invalid pan');
    if (!Number.isInteger(req.expiryMonth) || req.expiryMonth < 1 || req.expiryMonth > 12) refuse('invalid expiry month');
    if (!Number.isInteger(req.expiryYear) || req.expiryYear < 0) refuse('invalid expiry year');
    const provider = providerOf(req.network);
    if (!/^[0-9]{11}$/.test(req.tokenRequestorId) || !req.tokenRequestorId.startsWith(provider.tokenRequestorPrefix)) {
      refuse(`unknown token requestor on ${req.network}`);
    }
    const decline = (reason: string) => rememberCardOnFile(req, { tokenRef: '', outcome: 'declined', message: reason });
    if (detectBrand(req.pan) !== provider.brand) return decline(`card is not eligible for ${req.network}`);

    const { panRef, par } = await panRefs.lookup(req.network, req.pan);
    const answer = await askIssuer({ ...req, wallet: 'CARD_ON_FILE' }, panRef, req.tokenRequestorId);
    const externalIssuer = answer === 'UNKNOWN_CARD';
    const decision = externalIssuer ? externalIssuerDecision(req.pan) : answer;
    if (decision === 'FAIL') throw new NetworkFailure('error', 'issuer unavailable');
    if (decision === 'RED') return decline('declined by issuer');
    if (decision === 'YELLOW') return decline('declined by issuer: the card details need a step-up, which a card on file cannot do');

    const createdAt = clock();
    const at = createdAt.toISOString();
    const tokenRef = await uniqueTokenRef({ network: req.network, wallet: 'CARD_ON_FILE', pan: '', expiryMonth: 1, expiryYear: 0 });
    const tokenNumber = tokenNumbers.numberOf(req.network, tokenRef, req.pan);
    const assigned = provider.provisioningIdentifiers('CARD_ON_FILE', ids);
    const record: SimulatorRecord = {
      token: {
        network: req.network,
        tokenRef,
        panRef,
        tokenLastFour: tokenNumber.slice(-4),
        tokenExpiryMonth: createdAt.getUTCMonth() + 1,
        tokenExpiryYear: createdAt.getUTCFullYear() + TOKEN_VALIDITY_YEARS,
        status: 'ACTIVE',
        suspenders: [],
        walletId: provider.cardOnFileWalletId(req.tokenRequestorId),
        tokenRequestorId: req.tokenRequestorId,
        tokenRequestorName: req.tokenRequestorName,
        paymentAppInstanceId: assigned.paymentAppInstanceId,
        trackingId: assigned.correlationId,
        par,
        devices: [],
        version: 0,
        networkData: {},
        updatedAt: at,
      },
      meta: {
        wallet: 'CARD_ON_FILE',
        decision: 'GREEN',
        panLastFour: req.pan.slice(-4),
        tokenLength: CARD_ON_FILE_TOKEN_LENGTH,
        correlationId: assigned.correlationId,
        walletAccountHash: assigned.walletAccountHash,
        createdAt: at,
        statusChangedAt: at,
        activatedAt: at,
        entityOfLastAction: 'TOKEN_REQUESTOR',
        suspendedAt: {},
        deletedFromConsumerApp: false,
        ...(externalIssuer ? { externalIssuer: true } : {}),
      },
    };
    stamp(record, at);
    // As for wallets: stored before the issuer is told, forgotten again if the issuer did not take it.
    await store.insert(record);
    if (!externalIssuer) {
      try {
        await callbacks.notify(structuredClone(record.token));
      } catch (err) {
        logger?.warn({ network: req.network, tokenRef, error: errorMessage(err) }, 'issuer notification failed');
        await store.remove(tokenRef).catch(() => undefined);
        throw new NetworkFailure('error', 'issuer notification failed');
      }
    }
    return rememberCardOnFile(req, { tokenRef, outcome: 'applied', token: record.token });
  }

  function requestCardOnFileToken(req: CardOnFileRequest): Promise<CardOnFileOutcome> {
    return faulted(req.network, 'provision', () => mutex.run(`card-on-file:${req.idempotencyKey}`, () => cardOnFileNow(req)));
  }

  /** A token requestor acts on its own token; the issuer is notified as after a wallet event. */
  function tokenRequestorLifecycle(req: TokenRequestorLifecycleRequest): Promise<NetworkToken> {
    return faulted(req.network, 'lifecycle', async () => {
      const token = await change(
        req.network,
        req.tokenRef,
        (record, at) => {
          if (record.token.tokenRequestorId !== req.tokenRequestorId) refuse('token not found');
          return applyLifecycle(record, req.action, 'TOKEN_REQUESTOR', at);
        },
        keyed(req.idempotencyKey, 'token_requestor_lifecycle', req.network, req.tokenRef, req.tokenRequestorId, req.action),
      );
      await deliver(token);
      return token;
    });
  }

  /** A cryptogram for an ACTIVE card-on-file token of this requestor (the one token requestor who may pay with it). */
  async function issueCryptogram(req: CryptogramRequest): Promise<Cryptogram> {
    assertOpen();
    if (req.amount !== undefined && (!Number.isSafeInteger(req.amount) || req.amount < 0)) refuse('invalid amount');
    if (req.currency !== undefined && !/^[A-Z]{3}$/.test(req.currency)) refuse('invalid currency');
    if ((req.amount === undefined) !== (req.currency === undefined)) refuse('amount and currency go together');
    const record = await mutex.run(req.tokenRef, () => store.get(req.tokenRef));
    if (!record || record.token.network !== req.network || record.token.tokenRequestorId !== req.tokenRequestorId) refuse('token not found');
    if (record.token.status !== 'ACTIVE') refuse(`token is ${record.token.status.toLowerCase()}`);
    const now = clock();
    const eci = ECI[req.network][req.transactionType];
    const issued = cryptograms.issue({
      network: req.network,
      tokenRef: req.tokenRef,
      tokenRequestorId: req.tokenRequestorId,
      ...(req.amount !== undefined ? { amount: req.amount, currency: req.currency } : {}),
      transactionType: req.transactionType,
      eci,
      issuedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + CRYPTOGRAM_VALIDITY_MS).toISOString(),
    });
    await store.insertCryptogram(issued.record);
    return { cryptogram: issued.cryptogram, eci, expiresAt: issued.record.expiresAt };
  }

  /**
   * Checks an authorization as the network does before it reaches the issuer: the cryptogram genuine, issued for
   * this token, requestor and amount, fresh, the token active with this expiry; then uses the cryptogram up (one
   * conditional write, so a replay, even a concurrent one, is declined). The issuer of a token is told of every
   * authorization with it that got as far as the token.
   */
  async function authorize(req: AuthorizationRequest): Promise<AuthorizationOutcome> {
    assertOpen();
    const decline = (reason: AuthorizationDeclineReason): AuthorizationOutcome => ({ approved: false, reason, network: req.network });
    const id = cryptograms.idOf(req.cryptogram);
    const issued = id === undefined ? undefined : await store.findCryptogram(id);
    if (!issued || issued.record.network !== req.network || !cryptograms.isGenuine(req.cryptogram, issued.record)) return decline('cryptogram_invalid');
    const { record } = issued;
    const tokenRecord = await store.get(record.tokenRef);
    if (!tokenRecord || tokenNumbers.numberOf(record.network, record.tokenRef) !== req.networkToken) return decline('token_mismatch');
    const token = tokenRecord.token;
    const at = clock();
    const outcome = await (async (): Promise<AuthorizationOutcome> => {
      if (record.tokenRequestorId !== req.tokenRequestorId) return decline('requestor_mismatch');
      if (record.amount !== undefined && (record.amount !== req.amount || record.currency !== req.currency)) return decline('amount_mismatch');
      if (req.eci !== record.eci) return decline('eci_mismatch');
      if (issued.usedAt !== undefined) return decline('cryptogram_used');
      if (at.getTime() > Date.parse(record.expiresAt)) return decline('cryptogram_expired');
      if (token.status !== 'ACTIVE') return decline('token_inactive');
      if (req.expiryMonth !== token.tokenExpiryMonth || req.expiryYear !== token.tokenExpiryYear) return decline('expiry_mismatch');
      if (!(await store.useCryptogram(record.id, at.toISOString()))) return decline('cryptogram_used');
      return { approved: true, authorizationId: randomUUID(), network: req.network };
    })();
    if (!tokenRecord.meta.externalIssuer && callbacks.authorized) {
      try {
        await callbacks.authorized({
          network: token.network,
          tokenRef: token.tokenRef,
          tokenRequestorId: req.tokenRequestorId,
          approved: outcome.approved,
          ...(outcome.approved ? { authorizationId: outcome.authorizationId } : { reason: outcome.reason }),
          amount: req.amount,
          currency: req.currency,
          at: at.toISOString(),
        });
      } catch (err) {
        // The network's answer stands; the issuer's record of it is its own affair (as with notifications).
        logger?.warn({ network: token.network, tokenRef: token.tokenRef, error: errorMessage(err) }, 'issuer authorization notice failed');
      }
    }
    return outcome;
  }

  return {
    issueCryptogram,
    authorize,
    requestCardOnFileToken,
    tokenRequestorLifecycle,
    async cardOnFileAnswer(network, idempotencyKey) {
      assertOpen();
      // In the key's turn: a request with this key still being answered is answered first.
      const first = await mutex.run(`card-on-file:${idempotencyKey}`, () => store.answerOf(idempotencyKey));
      if (!first || first.network !== network || !first.request.startsWith('card_on_file:')) return undefined;
      try {
        return cardOnFileOutcomeOf(first);
      } catch (error) {
        // A refused request made nothing: a decline as far as the token requestor is concerned.
        if (error instanceof NetworkFailure) return { approved: false, reason: error.message };
        throw error;
      }
    },
    provision,
    lifecycle,
    deviceBinding,
    approveLatestInactiveDevice: approveLatest,
    async injectFault(fault) {
      assertOpen();
      faults.add(fault);
    },
    walletEvent,
    async getToken(network, tokenRef) {
      // In the token's turn: the look-up reflects every change that reached the network before it.
      const record = await mutex.run(tokenRef, () => store.get(tokenRef));
      return record && record.token.network === network ? record.token : undefined;
    },
    async close() {
      closed = true;
      held.releaseAll();
    },
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : 'unknown error';
}
