/**
 * The identifiers the simulated networks draw (DOMAIN.md section 5), dispatched to each network's provider, and
 * the network-neutral ones (PAR, token number). Every random part comes from node:crypto (random.ts).
 */
import { detectBrand } from '../cards/brand.js';
import { luhnCheckDigit } from '../cards/luhn.js';
import { correlationId, paymentAppInstanceId } from './mdes/ids.js';
import type { TokenRequestor } from './provider.js';
import { PAYMENT_NETWORKS, PROVIDERS, networkOfBrand, providerOf, type PaymentNetwork } from './providers.js';
import { UPPER_ALNUM, randomDigits, randomFrom } from './random.js';
import type { Wallet } from './types.js';
import { walletAccountHash } from './vts/ids.js';

export type { TokenRequestor } from './provider.js';

/** Payment Account Reference: 29 upper-case alphanumerics, led by the BIN controller id of the network. */
export function par(network: PaymentNetwork): string {
  const controller = providerOf(network).parController;
  return controller + randomFrom(UPPER_ALNUM, 29 - controller.length);
}

/**
 * A network token number: a Luhn-valid PAN of the card's brand and length, never equal to the card's PAN.
 * Only brands a known network carries are accepted (Visa on VTS, Mastercard on MDES). The draw is repeated only
 * in the 1-in-10^15 case of landing on the PAN itself.
 */
export function networkTokenNumber(pan: string): string {
  const network = networkOfBrand(detectBrand(pan));
  // No PAN echoed in the message.
  if (!network) throw new TypeError('networkTokenNumber: only PANs of a brand some network carries are tokenized');
  for (;;) {
    const prefix = PROVIDERS[network].tokenNumberPrefix();
    const payload = prefix + randomDigits(pan.length - prefix.length - 1);
    const candidate = payload + luhnCheckDigit(payload);
    if (candidate !== pan) return candidate;
  }
}

/** Length of every token requestor id (DOMAIN.md section 5). */
export const TOKEN_REQUESTOR_ID_LENGTH = 11;

/** A fresh token requestor id on `network`: its range's leading digits, then random digits, 11 in all. */
export function newTokenRequestorId(network: PaymentNetwork): string {
  const prefix = providerOf(network).tokenRequestorPrefix;
  return prefix + randomDigits(TOKEN_REQUESTOR_ID_LENGTH - prefix.length);
}

/** Fixed token requestors per network and wallet, as each provider lists them. */
export const TOKEN_REQUESTORS: Readonly<Record<PaymentNetwork, Readonly<Record<Wallet, TokenRequestor>>>> = Object.freeze(
  Object.fromEntries(PAYMENT_NETWORKS.map((network) => [network, PROVIDERS[network].tokenRequestors])) as Record<
    PaymentNetwork,
    Readonly<Record<Wallet, TokenRequestor>>
  >,
);

export function tokenRequestor(network: PaymentNetwork, wallet: Wallet): TokenRequestor {
  return providerOf(network).tokenRequestors[wallet];
}

/** The random identifiers the simulator draws, injectable so tests can observe or pin them. */
export interface IdSource {
  tokenRef(network: PaymentNetwork, wallet: Wallet): string;
  panRef(network: PaymentNetwork): string;
  par(network: PaymentNetwork): string;
  networkTokenNumber(pan: string): string;
  correlationId(): string;
  paymentAppInstanceId(): string;
  walletAccountHash(): string;
}

export const randomIds: IdSource = Object.freeze({
  tokenRef: (network: PaymentNetwork, wallet: Wallet) => providerOf(network).tokenRef(wallet),
  panRef: (network: PaymentNetwork) => providerOf(network).panRef(),
  par,
  networkTokenNumber,
  correlationId,
  paymentAppInstanceId,
  walletAccountHash,
});
