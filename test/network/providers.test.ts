/** The network registry: one provider per network, and the capability lookup the issuer domain asks. */
import { describe, expect, it } from 'vitest';
import { NETWORK_CAPABILITIES } from '../../src/network/provider.js';
import { PAYMENT_NETWORKS, PROVIDERS, networkOfBrand, networkSupports, networksSupporting } from '../../src/network/providers.js';

describe('network providers', () => {
  it('lists vts and mdes, each under its own name', () => {
    expect(PAYMENT_NETWORKS).toEqual(['vts', 'mdes']);
    for (const network of PAYMENT_NETWORKS) expect(PROVIDERS[network].id).toBe(network);
  });

  it('offers device binding on vts only and the app-to-app step-up on mdes only', () => {
    expect(networkSupports('vts', 'deviceBinding')).toBe(true);
    expect(networkSupports('mdes', 'deviceBinding')).toBe(false);
    expect(networkSupports('vts', 'appToAppStepUp')).toBe(false);
    expect(networkSupports('mdes', 'appToAppStepUp')).toBe(true);
    expect(networksSupporting('deviceBinding')).toEqual(['vts']);
    for (const network of PAYMENT_NETWORKS) expect(Object.keys(PROVIDERS[network].capabilities).sort()).toEqual([...NETWORK_CAPABILITIES].sort());
  });

  it('finds the network of a card brand', () => {
    expect(networkOfBrand('VISA')).toBe('vts');
    expect(networkOfBrand('MASTERCARD')).toBe('mdes');
    expect(networkOfBrand('AMEX')).toBeUndefined();
    expect(networkOfBrand(undefined)).toBeUndefined();
  });
});
