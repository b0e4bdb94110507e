/**
 * The JSON wire format between issuer and simulator, in one place for both directions: route paths, and parsers
 * that turn untrusted JSON into the typed values of types.ts. Serialising is plain JSON.stringify of those values.
 * A parse failure names the field, never the value (a value may be a PAN).
 */
import { NetworkFailure } from '../../errors.js';
import {
  APPROVAL_METHODS,
  DECISIONS,
  DEVICE_ACTIONS,
  ISSUER_ANSWERS,
  FAULT_MODES,
  LIFECYCLE_ACTIONS,
  NETWORK_OPERATIONS,
  PAYMENT_NETWORKS,
  SUSPENDERS,
  TOKEN_STATUSES,
  TRANSACTION_TYPES,
  WALLETS,
  type ApproveDeviceRequest,
  type AuthorizationDeclineReason,
  type AuthorizationNotice,
  type AuthorizationOutcome,
  type AuthorizationRequest,
  type Cryptogram,
  type CryptogramRequest,
  type CardOnFileOutcome,
  type CardOnFileRequest,
  type IssuerAnswer,
  type DecisionRequest,
  type DeviceBindingRequest,
  type FaultSpec,
  type LifecycleRequest,
  type NetworkDevice,
  type NetworkToken,
  type PaymentNetwork,
  type TokenRequestorLifecycleRequest,
  type ProvisionOutcome,
  type ProvisionRequest,
  type Suspender,
  type WalletEvent,
  type WalletEventRequest,
} from '../types.js';

/** Route patterns (Fastify syntax) and the matching path builders, so server and client cannot drift apart. */
export const ROUTES = {
  provision: '/:network/provision',
  cardOnFile: '/:network/card-on-file-tokens',
  cardOnFileAnswer: '/:network/card-on-file-tokens/answers/:idempotencyKey',
  tokenRequestorLifecycle: '/:network/tokens/:tokenRef/requestor-lifecycle',
  token: '/:network/tokens/:tokenRef',
  lifecycle: '/:network/tokens/:tokenRef/lifecycle',
  approveLatestDevice: '/:network/tokens/:tokenRef/devices/approve-latest',
  deviceBinding: '/:network/tokens/:tokenRef/devices/:deviceId/binding',
  faults: '/sandbox/faults',
  walletEvents: '/sandbox/wallet-events',
  decisionCallback: '/network/v1/decision',
  notificationCallback: '/network/v1/notification',
  requestorNotificationCallback: '/network/v1/token-requestor-notification',
  cryptogram: '/:network/tokens/:tokenRef/cryptograms',
  authorizations: '/:network/authorizations',
  authorizationCallback: '/network/v1/authorization',
} as const;

const seg = encodeURIComponent;
export const paths = {
  provision: (network: PaymentNetwork) => `/${seg(network)}/provision`,
  cardOnFile: (network: PaymentNetwork) => `/${seg(network)}/card-on-file-tokens`,
  tokenRequestorLifecycle: (network: PaymentNetwork, tokenRef: string) => `/${seg(network)}/tokens/${seg(tokenRef)}/requestor-lifecycle`,
  cardOnFileAnswer: (network: PaymentNetwork, key: string) => `/${seg(network)}/card-on-file-tokens/answers/${seg(key)}`,
  token: (network: PaymentNetwork, tokenRef: string) => `/${seg(network)}/tokens/${seg(tokenRef)}`,
  lifecycle: (network: PaymentNetwork, tokenRef: string) => `/${seg(network)}/tokens/${seg(tokenRef)}/lifecycle`,
  approveLatestDevice: (network: PaymentNetwork, tokenRef: string) => `/${seg(network)}/tokens/${seg(tokenRef)}/devices/approve-latest`,
  cryptogram: (network: PaymentNetwork, tokenRef: string) => `/${seg(network)}/tokens/${seg(tokenRef)}/cryptograms`,
  authorizations: (network: PaymentNetwork) => `/${seg(network)}/authorizations`,
  deviceBinding: (network: PaymentNetwork, tokenRef: string, deviceId: string) => `/${seg(network)}/tokens/${seg(tokenRef)}/devices/${seg(deviceId)}/binding`,
};

/** The refusal a look-up of a token the network does not know answers. */
export const TOKEN_NOT_FOUND = 'token not found';

/** Body of every error answer, both directions. */
export interface ErrorBody {
  error: { mode: NetworkFailure['mode']; message: string };
}

export function errorBody(failure: NetworkFailure): ErrorBody {
  return { error: { mode: failure.mode, message: failure.message } };
}

/** HTTP status for a failure: refusals 400, timeouts 504 (an upstream that did not answer), the rest 500. */
export function statusOf(failure: NetworkFailure): number {
  return failure.mode === 'bad_request' ? 400 : failure.mode === 'timeout' ? 504 : 500;
}

export class WireError extends Error {
  constructor(readonly field: string) {
    super(`invalid ${field}`);
  }
}

type Json = Record<string, unknown>;

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireError(field);
  return value as Json;
}

function string(o: Json, key: string, max = 256, min = 0): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length < min || v.length > max) throw new WireError(key);
  return v;
}

function optionalString(o: Json, key: string, max = 256): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : string(o, key, max);
}

function integer(o: Json, key: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new WireError(key);
  return v;
}

function oneOf<T extends string>(o: Json, key: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw new WireError(key);
  return v as T;
}

function optionalOneOf<T extends string>(o: Json, key: string, values: readonly T[]): T | undefined {
  return o[key] === undefined || o[key] === null ? undefined : oneOf(o, key, values);
}

const ID = 128;

/** An idempotency key, when the request carries one (1–128 characters). */
function idempotencyKey(o: Json): { idempotencyKey?: string } {
  const key = optionalString(o, 'idempotencyKey', ID);
  if (key === '') throw new WireError('idempotencyKey');
  return key !== undefined ? { idempotencyKey: key } : {};
}

export function parseProvisionRequest(value: unknown): ProvisionRequest {
  const o = object(value, 'body');
  const pan = o.pan;
  if (typeof pan !== 'string' || !/^[0-9]{12,19}$/.test(pan)) throw new WireError('pan');
  const cardholderName = optionalString(o, 'cardholderName');
  const deviceId = optionalString(o, 'deviceId', ID);
  const forcedDecision = optionalOneOf(o, 'forcedDecision', DECISIONS);
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    wallet: oneOf(o, 'wallet', WALLETS),
    pan,
    expiryMonth: integer(o, 'expiryMonth', 1, 12),
    expiryYear: integer(o, 'expiryYear', 0, 9999),
    ...(cardholderName !== undefined ? { cardholderName } : {}),
    ...(deviceId !== undefined ? { deviceId } : {}),
    ...(forcedDecision !== undefined ? { forcedDecision } : {}),
  };
}

export function parseDecisionRequest(value: unknown): DecisionRequest {
  const o = object(value, 'body');
  const provision = parseProvisionRequest({ ...o, cardholderName: undefined, deviceId: undefined });
  return {
    network: provision.network,
    wallet: provision.wallet,
    pan: provision.pan,
    expiryMonth: provision.expiryMonth,
    expiryYear: provision.expiryYear,
    panRef: string(o, 'panRef', ID, 1),
    tokenRequestorId: string(o, 'tokenRequestorId', ID, 1),
    ...(provision.forcedDecision ? { forcedDecision: provision.forcedDecision } : {}),
  };
}

export function parseDecisionAnswer(value: unknown): IssuerAnswer {
  return oneOf(object(value, 'body'), 'decision', ISSUER_ANSWERS);
}

/** The refusal a look-up of an idempotency key the network never saw answers. */
export const ANSWER_NOT_FOUND = 'no answer for this idempotency key';

export function parseCardOnFileRequest(value: unknown): CardOnFileRequest {
  const o = object(value, 'body');
  const pan = o.pan;
  if (typeof pan !== 'string' || !/^[0-9]{12,19}$/.test(pan)) throw new WireError('pan');
  const key = string(o, 'idempotencyKey', ID, 1);
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    pan,
    expiryMonth: integer(o, 'expiryMonth', 1, 12),
    expiryYear: integer(o, 'expiryYear', 0, 9999),
    tokenRequestorId: string(o, 'tokenRequestorId', ID, 1),
    tokenRequestorName: string(o, 'tokenRequestorName', ID),
    idempotencyKey: key,
  };
}

export function parseTokenRequestorLifecycleRequest(value: unknown): TokenRequestorLifecycleRequest {
  const o = object(value, 'body');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    action: oneOf(o, 'action', ['SUSPEND', 'RESUME', 'DELETE'] as const),
    tokenRequestorId: string(o, 'tokenRequestorId', ID, 1),
    idempotencyKey: string(o, 'idempotencyKey', ID, 1),
  };
}

export function parseCardOnFileOutcome(value: unknown): CardOnFileOutcome {
  const o = object(value, 'body');
  if (o.approved === true) {
    const tokenNumber = o.tokenNumber;
    if (typeof tokenNumber !== 'string' || !/^[0-9]{12,19}$/.test(tokenNumber)) throw new WireError('tokenNumber');
    return { approved: true, token: parseNetworkToken(o.token), tokenNumber };
  }
  if (o.approved === false) return { approved: false, reason: string(o, 'reason', 1024) };
  throw new WireError('approved');
}

export function parseLifecycleRequest(value: unknown): LifecycleRequest {
  const o = object(value, 'body');
  if (o.entity !== 'ISSUER') throw new WireError('entity');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    action: oneOf(o, 'action', LIFECYCLE_ACTIONS),
    entity: 'ISSUER',
    reason: string(o, 'reason'),
    ...idempotencyKey(o),
  };
}

export function parseApproveDeviceRequest(value: unknown): ApproveDeviceRequest {
  const o = object(value, 'body');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    method: oneOf(o, 'method', APPROVAL_METHODS),
    ...idempotencyKey(o),
  };
}

export function parseDeviceBindingRequest(value: unknown): DeviceBindingRequest {
  const o = object(value, 'body');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    deviceId: string(o, 'deviceId', ID, 1),
    deviceIndex: integer(o, 'deviceIndex', 0, 99),
    action: oneOf(o, 'action', DEVICE_ACTIONS),
    reason: string(o, 'reason'),
    ...idempotencyKey(o),
  };
}

export function parseFaultSpec(value: unknown): FaultSpec {
  const o = object(value, 'body');
  const operation = optionalOneOf(o, 'operation', NETWORK_OPERATIONS);
  const count = o.count === undefined || o.count === null ? undefined : integer(o, 'count', 1, 1_000_000);
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    mode: oneOf(o, 'mode', FAULT_MODES),
    ...(operation !== undefined ? { operation } : {}),
    ...(count !== undefined ? { count } : {}),
  };
}

const WALLET_ENTITIES: readonly Exclude<Suspender, 'ISSUER'>[] = ['TOKEN_REQUESTOR', 'CARDHOLDER', 'MOBILE_PIN_LOCKED'];

function parseWalletEvent(value: unknown): WalletEvent {
  const o = object(value, 'event');
  const kind = oneOf(o, 'kind', ['SUSPEND', 'RESUME', 'DELETE', 'DEVICE_BINDING_REQUEST'] as const);
  switch (kind) {
    case 'SUSPEND':
    case 'RESUME':
      return { kind, entity: oneOf(o, 'entity', WALLET_ENTITIES) };
    case 'DELETE':
      return { kind };
    case 'DEVICE_BINDING_REQUEST':
      return { kind, deviceId: string(o, 'deviceId', ID, 1) };
  }
}

export function parseWalletEventRequest(value: unknown): WalletEventRequest {
  const o = object(value, 'body');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    event: parseWalletEvent(o.event),
  };
}

function parseDevice(value: unknown): NetworkDevice {
  const o = object(value, 'devices');
  return {
    deviceId: string(o, 'deviceId', ID, 1),
    deviceIndex: integer(o, 'deviceIndex', 0, 99),
    status: oneOf(o, 'status', ['ACTIVE', 'INACTIVE'] as const),
    updatedAt: string(o, 'updatedAt', 64),
  };
}

export function parseNetworkToken(value: unknown): NetworkToken {
  const o = object(value, 'token');
  const suspenders = o.suspenders;
  if (!Array.isArray(suspenders)) throw new WireError('suspenders');
  const devices = o.devices;
  if (!Array.isArray(devices)) throw new WireError('devices');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    panRef: string(o, 'panRef', ID, 1),
    tokenLastFour: string(o, 'tokenLastFour', 4, 4),
    tokenExpiryMonth: integer(o, 'tokenExpiryMonth', 1, 12),
    tokenExpiryYear: integer(o, 'tokenExpiryYear', 0, 9999),
    status: oneOf(o, 'status', TOKEN_STATUSES),
    suspenders: suspenders.map((s: unknown) => oneOf({ suspenders: s }, 'suspenders', SUSPENDERS)),
    walletId: string(o, 'walletId', ID),
    tokenRequestorId: string(o, 'tokenRequestorId', ID),
    tokenRequestorName: string(o, 'tokenRequestorName', ID),
    paymentAppInstanceId: string(o, 'paymentAppInstanceId', ID),
    trackingId: string(o, 'trackingId', ID),
    par: string(o, 'par', ID),
    devices: devices.map(parseDevice),
    version: integer(o, 'version', 0, Number.MAX_SAFE_INTEGER),
    networkData: object(o.networkData, 'networkData'),
    updatedAt: string(o, 'updatedAt', 64),
  };
}

export function parseProvisionOutcome(value: unknown): ProvisionOutcome {
  const o = object(value, 'body');
  if (o.approved === true) return { approved: true, token: parseNetworkToken(o.token) };
  if (o.approved === false) return { approved: false, reason: string(o, 'reason', 1024) };
  throw new WireError('approved');
}

/** The failure an error answer describes; falls back on the HTTP status when the body is not ours. */
export function failureFromAnswer(status: number, body: unknown): NetworkFailure {
  let mode: NetworkFailure['mode'] = status >= 400 && status < 500 ? 'bad_request' : 'error';
  let message = mode === 'bad_request' ? 'network respond bad request error' : 'network internal server error';
  try {
    const e = object(object(body, 'body').error, 'error');
    message = string(e, 'message', 1024);
    // Only a gateway-timeout status may turn into a timeout, so a 4xx can never be retried as a timeout.
    if (status === 504 && e.mode === 'timeout') mode = 'timeout';
  } catch {
    // Not our envelope (a proxy, a crash page): keep the status-based failure.
  }
  return new NetworkFailure(mode, message);
}

function optionalInteger(o: Json, key: string, min: number, max: number): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : integer(o, key, min, max);
}

export function parseCryptogramRequest(value: unknown): CryptogramRequest {
  const o = object(value, 'body');
  const amount = optionalInteger(o, 'amount', 0, Number.MAX_SAFE_INTEGER);
  const currency = optionalString(o, 'currency', 3);
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    tokenRequestorId: string(o, 'tokenRequestorId', ID, 1),
    ...(amount !== undefined ? { amount } : {}),
    ...(currency !== undefined ? { currency } : {}),
    transactionType: oneOf(o, 'transactionType', TRANSACTION_TYPES),
  };
}

export function parseCryptogram(value: unknown): Cryptogram {
  const o = object(value, 'body');
  return { cryptogram: string(o, 'cryptogram', 28, 28), eci: string(o, 'eci', 2, 2), expiresAt: string(o, 'expiresAt', 64, 1) };
}

export function parseAuthorizationRequest(value: unknown): AuthorizationRequest {
  const o = object(value, 'body');
  const networkToken = o.networkToken;
  if (typeof networkToken !== 'string' || !/^[0-9]{12,19}$/.test(networkToken)) throw new WireError('networkToken');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    networkToken,
    expiryMonth: integer(o, 'expiryMonth', 1, 12),
    expiryYear: integer(o, 'expiryYear', 0, 9999),
    cryptogram: string(o, 'cryptogram', 64, 1),
    eci: string(o, 'eci', 2, 1),
    amount: integer(o, 'amount', 0, Number.MAX_SAFE_INTEGER),
    currency: string(o, 'currency', 3, 3),
    tokenRequestorId: string(o, 'tokenRequestorId', ID, 1),
  };
}

export const AUTHORIZATION_DECLINE_REASONS: readonly AuthorizationDeclineReason[] = [
  'cryptogram_invalid',
  'cryptogram_used',
  'cryptogram_expired',
  'token_mismatch',
  'token_inactive',
  'expiry_mismatch',
  'eci_mismatch',
  'amount_mismatch',
  'requestor_mismatch',
];

export function parseAuthorizationOutcome(value: unknown): AuthorizationOutcome {
  const o = object(value, 'body');
  const network = oneOf(o, 'network', PAYMENT_NETWORKS);
  if (o.approved === true) return { approved: true, authorizationId: string(o, 'authorizationId', ID, 1), network };
  if (o.approved === false) return { approved: false, reason: oneOf(o, 'reason', AUTHORIZATION_DECLINE_REASONS), network };
  throw new WireError('approved');
}

export function parseAuthorizationNotice(value: unknown): AuthorizationNotice {
  const o = object(value, 'body');
  const reason = optionalOneOf(o, 'reason', AUTHORIZATION_DECLINE_REASONS);
  const authorizationId = optionalString(o, 'authorizationId', ID);
  if (typeof o.approved !== 'boolean') throw new WireError('approved');
  return {
    network: oneOf(o, 'network', PAYMENT_NETWORKS),
    tokenRef: string(o, 'tokenRef', ID, 1),
    tokenRequestorId: string(o, 'tokenRequestorId', ID, 1),
    approved: o.approved,
    ...(reason !== undefined ? { reason } : {}),
    ...(authorizationId !== undefined ? { authorizationId } : {}),
    amount: integer(o, 'amount', 0, Number.MAX_SAFE_INTEGER),
    currency: string(o, 'currency', 3, 3),
    at: string(o, 'at', 64, 1),
  };
}
