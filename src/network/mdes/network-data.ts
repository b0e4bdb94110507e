/**
 * Renders a token as MDES's own record (`network_data` of the issuer GET), in the shape of the contract's
 * `mastercard` example. Rendered from the record on every change, so it can never drift from the token. It holds
 * references and last-four digits only: never the PAN, never the full token. Code values not shown by the contract
 * (StorageTechnology, DeviceType…) are [ours].
 */
import type { SimulatorRecord } from '../record.js';
import type { NetworkTokenStatus, Wallet } from '../types.js';

const MDES_STATUS: Record<NetworkTokenStatus, [code: string, description: string]> = {
  INACTIVE: ['I', 'Inactive'],
  ACTIVE: ['A', 'Active'],
  SUSPENDED: ['S', 'Suspended'],
  DEACTIVATED: ['D', 'Deleted'],
};

/** MDES TokenType: S = embedded secure element, C = cloud (HCE), F = card on file. */
const MDES_TOKEN_TYPE: Record<Wallet, string> = { APPLE_PAY: 'S', GOOGLE_PAY: 'C', SAMSUNG_PAY: 'S', CARD_ON_FILE: 'F' };
const MDES_STORAGE: Record<Wallet, string> = { APPLE_PAY: 'S', GOOGLE_PAY: 'D', SAMSUNG_PAY: 'T', CARD_ON_FILE: 'V' };

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
    // A card-on-file token's requestor (a merchant) is given the card's PAR: the issuer sees the same one.
    ...(cardOnFile ? { PaymentAccountReference: token.par } : {}),
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
