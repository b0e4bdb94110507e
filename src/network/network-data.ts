/**
 * Renders a token as its network's own record (`network_data` of the issuer GET), in the shape of the
 * contract's `mastercard` (mdes) and `visa` (vts) examples. Rendered from the record on every change, so it can
 * never drift from the token. It holds references and last-four digits only: never the PAN, never the full token.
 * Code values not shown by the contract (StorageTechnology, tokenAssuranceMethod, DeviceType…) are [ours].
 */
import type { SimulatorRecord } from './store.js';
import type { NetworkTokenStatus, Wallet } from './types.js';

const MDES_STATUS: Record<NetworkTokenStatus, [code: string, description: string]> = {
  INACTIVE: ['I', 'Inactive'],
  ACTIVE: ['A', 'Active'],
  SUSPENDED: ['S', 'Suspended'],
  DEACTIVATED: ['D', 'Deleted'],
};

/** MDES TokenType: S = embedded secure element, C = cloud (HCE), F = card on file. */
const MDES_TOKEN_TYPE: Record<Wallet, string> = { APPLE_PAY: 'S', GOOGLE_PAY: 'C', SAMSUNG_PAY: 'S', CARD_ON_FILE: 'F' };
const MDES_STORAGE: Record<Wallet, string> = { APPLE_PAY: 'S', GOOGLE_PAY: 'D', SAMSUNG_PAY: 'T', CARD_ON_FILE: 'V' };
const VTS_TOKEN_TYPE: Record<Wallet, string> = {
  APPLE_PAY: 'SECURE_ELEMENT',
  GOOGLE_PAY: 'HCE',
  SAMSUNG_PAY: 'SECURE_ELEMENT',
  CARD_ON_FILE: 'CARD_ON_FILE',
};

/** The token number as networks show it to issuers: same width, all but the last four masked. */
export function maskedTokenNumber(length: number, lastFour: string): string {
  return '*'.repeat(Math.max(0, length - lastFour.length)) + lastFour;
}

export function renderMdes({ token, meta }: SimulatorRecord): Record<string, unknown> {
  const [code, description] = MDES_STATUS[token.status];
  const cardOnFile = meta.wallet === 'CARD_ON_FILE';
  const suspenders: Record<string, unknown> = {};
  for (const s of token.suspenders) suspenders[s] = { SuspendedDateTime: meta.suspendedAt[s] ?? meta.statusChangedAt };
  return {
    AccountPanSequenceNumber: '000',
    CorrelationId: meta.correlationId,
    CurrentStatusCode: code,
    CurrentStatusDateTime: meta.statusChangedAt,
    CurrentStatusDescription: description,
    Device: cardOnFile ? {} : { DeviceType: '21' },
    DigitizationRequestDateTime: meta.createdAt,
    ExpirationDate: String(token.tokenExpiryMonth).padStart(2, '0') + String(token.tokenExpiryYear % 100).padStart(2, '0'),
    // A = approved, R = approved once additional authentication (step-up) succeeds.
    FinalTokenizationDecision: meta.decision === 'GREEN' ? 'A' : 'R',
    // MDES numbers the comment recorded with each lifecycle event; one event per version here.
    LastCommentId: String(token.version),
    PaymentAppInstanceId: token.paymentAppInstanceId,
    PrimaryAccountNumberUniqueReference: token.panRef,
    ProvisioningStatusCode: 'S',
    ProvisioningStatusDescription: 'Provisioning successful',
    Source: cardOnFile ? 'ACCOUNT_ON_FILE' : 'ACCOUNT_ADDED_VIA_APPLICATION',
    StorageTechnology: MDES_STORAGE[meta.wallet],
    Suspenders: suspenders,
    ...(meta.activatedAt ? { TokenActivatedDateTime: meta.activatedAt } : {}),
    TokenDeletedFromConsumerApp: String(meta.deletedFromConsumerApp),
    TokenRequestorId: token.tokenRequestorId,
    TokenRequestorName: token.tokenRequestorName,
    TokenSuffix: token.tokenLastFour,
    TokenType: MDES_TOKEN_TYPE[meta.wallet],
    TokenUniqueReference: token.tokenRef,
    WalletId: token.walletId,
  };
}

export function renderVts({ token, meta }: SimulatorRecord): Record<string, unknown> {
  const cardOnFile = meta.wallet === 'CARD_ON_FILE';
  const device = token.devices.find((d) => d.deviceId === meta.provisioningDeviceId);
  return {
    panReferenceID: token.panRef,
    entityOfLastAction: meta.entityOfLastAction,
    walletAccountEmailAddressHash: meta.walletAccountHash,
    clientWalletAccountID: token.walletId,
    panSource: cardOnFile ? 'ON_FILE' : 'KEY_ENTERED',
    lastFourOfPAN: meta.panLastFour,
    tokenInfo: {
      token: maskedTokenNumber(meta.tokenLength, token.tokenLastFour),
      tokenType: VTS_TOKEN_TYPE[meta.wallet],
      tokenStatus: token.status,
      tokenExpirationDate: { month: String(token.tokenExpiryMonth), year: String(token.tokenExpiryYear) },
    },
    // 10 = cardholder verified by the issuer (green or completed step-up); 00 = not yet verified.
    tokenAssuranceMethod: meta.activatedAt ? '10' : '00',
    lastTokenStatusUpdatedTime: meta.statusChangedAt,
    deviceInfo: device
      ? { deviceID: device.deviceId, deviceType: 'MOBILE_PHONE', osType: meta.wallet === 'APPLE_PAY' ? 'IOS' : 'ANDROID' }
      : {},
    riskInfo: {},
    ...(meta.lastDeviceApprovalMethod ? { lastDeviceBindingApprovalMethod: meta.lastDeviceApprovalMethod } : {}),
  };
}

export function renderNetworkData(record: SimulatorRecord): Record<string, unknown> {
  return record.token.network === 'mdes' ? renderMdes(record) : renderVts(record);
}
