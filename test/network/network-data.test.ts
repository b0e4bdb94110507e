import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { randomIds, type IdSource } from '../../src/network/ids.js';
import type { NetworkToken, PaymentNetwork } from '../../src/network/types.js';
import { NETWORKS, PAN_OF, provisionRequest } from './helpers.js';
import { HARNESSES, type Harness } from './harness.js';

/** The contract's own network_data examples: our records must have (at least) their shape. */
const contract = JSON.parse(readFileSync(new URL('../../openapi/pismo-tokenization.openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<
    string,
    { get: { responses: { 200: { content: { 'application/json': { examples: Record<string, { value: { network_data: Record<string, unknown> } }> } } } } } }
  >;
};
const examples = contract.paths['/v1/cards/{cardId}/network-tokens/{tokenId}']!.get.responses[200].content['application/json'].examples;
const EXAMPLE: Record<PaymentNetwork, Record<string, unknown>> = {
  mdes: examples.mastercard!.value.network_data,
  vts: examples.visa!.value.network_data,
};

/** Every key of the example (recursively into non-empty objects) exists in `actual`, with the same JSON type. */
function expectShapeOf(example: Record<string, unknown>, actual: Record<string, unknown>, path = 'network_data'): void {
  for (const [key, value] of Object.entries(example)) {
    expect(actual, `${path}.${key}`).toHaveProperty([key]);
    const mine = actual[key];
    expect(typeof mine, `${path}.${key}`).toBe(typeof value);
    if (value && typeof value === 'object' && Object.keys(value).length > 0) {
      expectShapeOf(value as Record<string, unknown>, mine as Record<string, unknown>, `${path}.${key}`);
    }
  }
}

describe.each(HARNESSES)('network data (%s)', (_kind, start) => {
  let h: Harness;
  const tokenNumbers: string[] = [];
  /** Random ids as usual, but the token numbers are recorded so the test can search for them. */
  const ids: IdSource = {
    ...randomIds,
    networkTokenNumber: (pan) => {
      const n = randomIds.networkTokenNumber(pan);
      tokenNumbers.push(n);
      return n;
    },
  };
  afterEach(async () => {
    await h.close();
    tokenNumbers.length = 0;
  });

  it.each(NETWORKS)('%s: has the contract shape and follows every change', async (network) => {
    h = await start({ ids });
    const outcome = await h.gateway.provision(provisionRequest(network, { wallet: 'GOOGLE_PAY', deviceId: 'pixel' }));
    if (!outcome.approved) throw new Error('expected approval');
    const created = outcome.token;
    expectShapeOf(EXAMPLE[network], created.networkData);
    const ref = created.tokenRef;
    const lifecycle = (action: 'SUSPEND' | 'RESUME' | 'DELETE') => h.gateway.lifecycle({ network, tokenRef: ref, action, entity: 'ISSUER', reason: 'FRAUD' });

    if (network === 'mdes') {
      expect(created.networkData).toMatchObject({
        CurrentStatusCode: 'A',
        CurrentStatusDescription: 'Active',
        TokenUniqueReference: ref,
        PrimaryAccountNumberUniqueReference: created.panRef,
        TokenSuffix: created.tokenLastFour,
        ExpirationDate: String(created.tokenExpiryMonth).padStart(2, '0') + String(created.tokenExpiryYear).slice(-2),
        TokenRequestorId: created.tokenRequestorId,
        TokenRequestorName: 'GOOGLE',
        WalletId: '216',
        PaymentAppInstanceId: created.paymentAppInstanceId,
        CorrelationId: created.trackingId,
        FinalTokenizationDecision: 'A',
        TokenType: 'C',
        Suspenders: {},
        TokenDeletedFromConsumerApp: 'false',
      });
      const suspended = await lifecycle('SUSPEND');
      expect(suspended.networkData).toMatchObject({ CurrentStatusCode: 'S', CurrentStatusDescription: 'Suspended' });
      expect(Object.keys(suspended.networkData.Suspenders as object)).toEqual(['ISSUER']);
      const deleted = await h.gateway.walletEvent({ network, tokenRef: ref, event: { kind: 'DELETE' } });
      expect(deleted.networkData).toMatchObject({
        CurrentStatusCode: 'D',
        CurrentStatusDescription: 'Deleted',
        Suspenders: {},
        TokenDeletedFromConsumerApp: 'true',
      });
    } else {
      const tokenNumber = tokenNumbers.at(-1)!;
      expect(created.networkData).toMatchObject({
        panReferenceID: created.panRef,
        entityOfLastAction: 'TOKEN_REQUESTOR',
        clientWalletAccountID: created.walletId,
        lastFourOfPAN: PAN_OF.vts.slice(-4),
        tokenInfo: {
          token: '*'.repeat(tokenNumber.length - 4) + tokenNumber.slice(-4),
          tokenType: 'HCE',
          tokenStatus: 'ACTIVE',
          tokenExpirationDate: { month: String(created.tokenExpiryMonth), year: String(created.tokenExpiryYear) },
        },
        deviceInfo: { deviceID: 'pixel' },
      });
      const suspended = await lifecycle('SUSPEND');
      expect(suspended.networkData).toMatchObject({ entityOfLastAction: 'ISSUER', tokenInfo: { tokenStatus: 'SUSPENDED' } });
      const walletToo = await h.gateway.walletEvent({ network, tokenRef: ref, event: { kind: 'SUSPEND', entity: 'CARDHOLDER' } });
      expect(walletToo.networkData).toMatchObject({ entityOfLastAction: 'CARDHOLDER' });
      const deleted = await lifecycle('DELETE');
      expect(deleted.networkData).toMatchObject({ tokenInfo: { tokenStatus: 'DEACTIVATED' } });
    }
    const final = await h.simulator.getToken(network, ref);
    expect(final?.networkData).toEqual((await h.simulator.getToken(network, ref))?.networkData);
  });

  it('never holds the PAN or the full network token number, anywhere in a token', async () => {
    h = await start({ ids });
    const seen: NetworkToken[] = [];
    for (const network of NETWORKS) {
      for (const wallet of ['APPLE_PAY', 'CARD_ON_FILE'] as const) {
        const outcome = await h.gateway.provision(provisionRequest(network, { wallet, deviceId: 'dev-1', forcedDecision: 'YELLOW' }));
        if (!outcome.approved) throw new Error('expected approval');
        const ref = outcome.token.tokenRef;
        seen.push(outcome.token);
        seen.push(await h.gateway.lifecycle({ network, tokenRef: ref, action: 'ACTIVATE', entity: 'ISSUER', reason: 'x' }));
        seen.push(await h.gateway.walletEvent({ network, tokenRef: ref, event: { kind: 'SUSPEND', entity: 'TOKEN_REQUESTOR' } }));
        seen.push(await h.gateway.lifecycle({ network, tokenRef: ref, action: 'DELETE', entity: 'ISSUER', reason: 'x' }));
      }
    }
    seen.push(...h.issuer.notifications);
    expect(tokenNumbers).toHaveLength(4);
    const serialized = JSON.stringify(seen);
    for (const secret of [...Object.values(PAN_OF), ...tokenNumbers]) {
      expect(serialized).not.toContain(secret);
      // Not even a BIN-plus-middle fragment: at most the last four digits may appear.
      expect(serialized).not.toContain(secret.slice(0, 10));
      expect(serialized).not.toContain(secret.slice(2, 12));
    }
  });
});
