/**
 * Visa Token Service: Visa cards, `DNITHE…` token references, `V-…` PAN references, and device binding (a token
 * may be bound to several devices, each approved by the issuer). No app-to-app step-up: Visa's goes through the
 * call-centre activation.
 */
import type { NetworkProvider } from '../provider.js';
import { visaPanRef, visaTokenRef } from './ids.js';
import { renderVts } from './network-data.js';

export const vts: NetworkProvider = Object.freeze({
  id: 'vts',
  brand: 'VISA',
  capabilities: Object.freeze({ deviceBinding: true, appToAppStepUp: false }),
  // 11 digits, 400…; Apple Pay's is the id real material shows, the others are stable made-up ids of the same shape.
  tokenRequestors: Object.freeze({
    APPLE_PAY: { id: '40010030273', name: 'APPLE_PAY', walletId: '40010030273' },
    GOOGLE_PAY: { id: '40010075001', name: 'GOOGLE_PAY', walletId: '40010075001' },
    SAMSUNG_PAY: { id: '40010043095', name: 'SAMSUNG_PAY', walletId: '40010043095' },
    CARD_ON_FILE: { id: '40000000045', name: 'CARD_ON_FILE', walletId: '40000000045' },
  }),
  cardOnFileTokenPrefix: '4',
  // On VTS the wallet id is the token requestor id (contract example).
  cardOnFileWalletId: (tokenRequestorId) => tokenRequestorId,
  tokenRequestorPrefix: '400',
  parController: 'V001',
  tokenRef: () => visaTokenRef(),
  panRef: visaPanRef,
  tokenNumberPrefix: () => '4',
  // VTS assigns no correlation or payment app instance id ('' as in the contract's Visa example).
  provisioningIdentifiers: (_wallet, draws) => ({ correlationId: '', paymentAppInstanceId: '', walletAccountHash: draws.walletAccountHash() }),
  renderNetworkData: renderVts,
} satisfies NetworkProvider);
