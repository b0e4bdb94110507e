/**
 * Mastercard Digital Enablement Service: Mastercard cards, token unique references named after their storage
 * domain, `FWSPMC…` PAN unique references, correlation and payment app instance ids, and the cardholder's
 * app-to-app step-up. No device binding: an MDES token belongs to one payment app instance.
 */
import { randomInt } from 'node:crypto';
import type { NetworkProvider } from '../provider.js';
import { mdesPanRef, mdesTokenRef } from './ids.js';
import { renderMdes } from './network-data.js';

export const mdes: NetworkProvider = Object.freeze({
  id: 'mdes',
  brand: 'MASTERCARD',
  capabilities: Object.freeze({ deviceBinding: false, appToAppStepUp: true }),
  // 11 digits, 501…; Google Pay's is the id real material shows, the others are stable made-up ids of the same shape.
  tokenRequestors: Object.freeze({
    APPLE_PAY: { id: '50110030273', name: 'APPLE', walletId: '103' },
    GOOGLE_PAY: { id: '50120834693', name: 'GOOGLE', walletId: '216' },
    SAMSUNG_PAY: { id: '50139059239', name: 'SAMSUNG', walletId: '217' },
    CARD_ON_FILE: { id: '50150000045', name: 'CARD_ON_FILE', walletId: '327' },
  }),
  cardOnFileTokenPrefix: '53',
  // MDES names the card-on-file wallet by its own id, whoever the token requestor.
  cardOnFileWalletId: () => '327',
  tokenRequestorPrefix: '501',
  parController: '5001',
  tokenRef: mdesTokenRef,
  panRef: mdesPanRef,
  // 51–55 keeps the token in the classic Mastercard range.
  tokenNumberPrefix: () => `5${randomInt(1, 6)}`,
  provisioningIdentifiers: (wallet, draws) => {
    const correlationId = draws.correlationId();
    return {
      correlationId,
      // A card on file has no payment app on a device.
      paymentAppInstanceId: wallet === 'CARD_ON_FILE' ? '' : draws.paymentAppInstanceId(),
      // MDES has no wallet account hash ('' as in the contract's Mastercard example).
      walletAccountHash: '',
    };
  },
  renderNetworkData: renderMdes,
} satisfies NetworkProvider);
