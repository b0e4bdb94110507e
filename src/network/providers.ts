/**
 * The card networks Tessera speaks to, one line each. Adding a network (Amex, Discover) is one folder with its
 * `NetworkProvider` and one line here; the network's name, its brand and its capabilities follow from it.
 */
import type { CardBrand } from '../cards/brand.js';
import { mdes } from './mdes/index.js';
import type { NetworkCapability, NetworkProvider } from './provider.js';
import { vts } from './vts/index.js';

export const PROVIDERS = {
  vts,
  mdes,
} as const satisfies Readonly<Record<string, NetworkProvider>>;

/** A network's name on the wire and in the issuer API. */
export type PaymentNetwork = keyof typeof PROVIDERS;

export const PAYMENT_NETWORKS = Object.freeze(Object.keys(PROVIDERS) as PaymentNetwork[]);

export function isPaymentNetwork(value: string): value is PaymentNetwork {
  return Object.hasOwn(PROVIDERS, value);
}

export function providerOf(network: PaymentNetwork): NetworkProvider {
  return PROVIDERS[network];
}

/** Whether `network` offers an operation only some networks have (what the issuer domain asks before calling). */
export function networkSupports(network: PaymentNetwork, capability: NetworkCapability): boolean {
  return PROVIDERS[network].capabilities[capability];
}

/** The networks offering `capability`, in registry order (for messages such as "supported on vts only"). */
export function networksSupporting(capability: NetworkCapability): PaymentNetwork[] {
  return PAYMENT_NETWORKS.filter((network) => networkSupports(network, capability));
}

/** The network that tokenizes cards of `brand`, if any. */
export function networkOfBrand(brand: CardBrand | string | null | undefined): PaymentNetwork | undefined {
  return PAYMENT_NETWORKS.find((network) => PROVIDERS[network].brand === brand);
}
