/**
 * Renders a token as VTS's own record (`network_data` of the issuer GET), in the shape of the contract's `visa`
 * example. Rendered from the record on every change, so it can never drift from the token. It holds references and
 * last-four digits only: never the PAN, never the full token. Code values not shown by the contract
 * (tokenAssuranceMethod, deviceType…) are [ours].
 */
import type { SimulatorRecord } from '../record.js';
import type { Wallet } from '../types.js';

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

export function renderVts({ token, meta }: SimulatorRecord): Record<string, unknown> {
  const cardOnFile = meta.wallet === 'CARD_ON_FILE';
  const device = token.devices.find((d) => d.deviceId === meta.provisioningDeviceId);
  return {
    panReferenceID: token.panRef,
    entityOfLastAction: meta.entityOfLastAction,
    walletAccountEmailAddressHash: meta.walletAccountHash,
    clientWalletAccountID: token.walletId,
    // A card-on-file token names its token requestor (a merchant) as VTS records do.
    ...(cardOnFile ? { tokenRequestorID: token.tokenRequestorId, tokenRequestorName: token.tokenRequestorName, paymentAccountReference: token.par } : {}),
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
    deviceInfo: device ? { deviceID: device.deviceId, deviceType: 'MOBILE_PHONE', osType: meta.wallet === 'APPLE_PAY' ? 'IOS' : 'ANDROID' } : {},
    riskInfo: {},
    ...(meta.lastDeviceApprovalMethod ? { lastDeviceBindingApprovalMethod: meta.lastDeviceApprovalMethod } : {}),
  };
}
