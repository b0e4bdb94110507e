/**
 * gettokeninfo, GET of one network token: the contract's schema, the shape of the contract's `visa` /
 * `mastercard` examples, the identifier formats of DOMAIN.md section 5, devices and updated_at. (The list of a
 * card's tokens: listcardtokens.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { isLuhnValid } from '../../../../src/cards/luhn.js';
import { loadOpenApi } from '../../../../src/http/openapi.js';
import { assertMatchesSchema } from '../../../support/contract.js';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { NETWORKS, bootstrapIssuer, expectPismoError, getToken, mutableClock } from '../../../support/issuer.js';

const doc = loadOpenApi('pismo-tokenization.openapi.json') as any;
const EXAMPLES = doc.paths['/v1/cards/{cardId}/network-tokens/{tokenId}'].get.responses['200'].content['application/json'].examples;
const EXAMPLE = { vts: EXAMPLES.visa.value, mdes: EXAMPLES.mastercard.value } as const;

/** Fields of the contract's examples our network records leave out, and why. */
const NOT_RENDERED: Record<string, string> = {
  // The id of the last customer-service comment on the token: the simulator has no comment API, so there is none.
  LastCommentId: 'no comments in the simulator',
};

const FORMATS = {
  vts: { tokenRef: /^DNITHE[0-9]{18}$/, panRef: /^V-[0-9]{22}$/ },
  mdes: { tokenRef: /^[A-Z]{6}[0-9a-f]{42}$/, panRef: /^FWSPMC[0-9a-f]{42}$/ },
} as const;

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

describe.each(ENGINES)('GET network tokens on %s', (engine) => {
  const clock = mutableClock();

  const env = useIssuerServer(engine, { clock: clock.clock });
  const { api } = env;

  describe.each(NETWORKS)('a %s token', (network) => {
    it('matches TokenInfoCardTokenResponse and the top-level shape of the contract example', async () => {
      const token = await bootstrapIssuer(api, network, { wallet: 'GOOGLE_PAY' });
      const body = await getToken(api, token);
      assertMatchesSchema('pismo', 'TokenInfoCardTokenResponse', body);
      const example = EXAMPLE[network];
      // Every key of the example, plus the two the contract's schema fix added (DEFECTS.md).
      expect(Object.keys(body).sort()).toEqual([...new Set([...Object.keys(example), 'updated_at', 'devices'])].sort());
      for (const key of Object.keys(example)) expect(typeOf(body[key]), key).toBe(typeOf(example[key]));
      expect(Object.keys(body.token.key).sort()).toEqual(['pan_ref', 'payment_network', 'token_ref']);

      expect(body.token.key.payment_network).toBe(network);
      expect(body.token.key.token_ref).toBe(token.tokenRef);
      expect(body.token.key.pan_ref).toBe(token.panRef);
      expect(body.token.key.token_ref).toMatch(FORMATS[network].tokenRef);
      expect(body.token.key.pan_ref).toMatch(FORMATS[network].panRef);
      expect(body.token_id).toBe(token.tokenId);
      expect(body.token_id).toMatch(/^[0-9]+$/);
      expect(body.card_id).toBe(token.card.cardId);
      expect(body.account_id).toBe(token.account.accountId);
      expect(body.org_id).toBe(token.account.orgId);
      expect(body.program_id).toBe(token.account.programId);
      expect(body.status).toBe('ACTIVE');
      expect(body.updated_at).toBe(clock.now.toISOString());
      // The PAN appears nowhere: neither whole nor as the token's visible digits.
      expect(JSON.stringify(body)).not.toContain(token.card.pan);
    });

    it('network_data has the fields of the network example, with matching types', async () => {
      const token = await bootstrapIssuer(api, network, { wallet: 'GOOGLE_PAY' });
      const data = (await getToken(api, token)).network_data;
      const exampleData = EXAMPLE[network].network_data;
      const missing = Object.keys(exampleData).filter((k) => !(k in data));
      expect(missing.filter((k) => !(k in NOT_RENDERED))).toEqual([]);
      for (const key of Object.keys(exampleData)) if (key in data) expect(typeOf(data[key]), key).toBe(typeOf(exampleData[key]));
    });
  });

  it('vts network_data mirrors the Visa record: panReferenceID, tokenInfo, lastFourOfPAN, wallet account', async () => {
    const token = await bootstrapIssuer(api, 'vts', { wallet: 'CARD_ON_FILE' });
    const body = await getToken(api, token);
    const data = body.network_data;
    expect(data.panReferenceID).toBe(body.token.key.pan_ref);
    expect(data.clientWalletAccountID).toBe(body.wallet_id);
    expect(body.wallet_id).toBe('40000000045');
    expect(data.lastFourOfPAN).toBe(token.card.pan.slice(-4));
    expect(data.panSource).toBe('ON_FILE');
    expect(data.tokenInfo.tokenStatus).toBe('ACTIVE');
    expect(data.tokenInfo.tokenType).toBe('CARD_ON_FILE');
    expect(Object.keys(data.tokenInfo.tokenExpirationDate).sort()).toEqual(['month', 'year']);
    expect(data.tokenInfo.tokenExpirationDate.month).toMatch(/^([1-9]|1[0-2])$/);
    expect(data.tokenInfo.tokenExpirationDate.year).toMatch(/^[0-9]{4}$/);
    // The token number is shown masked: not the PAN, not a usable card number.
    expect(data.tokenInfo.token).toMatch(/^\*+[0-9]{4}$/);
    expect(isLuhnValid(data.tokenInfo.token)).toBe(false);
    expect(data.tokenAssuranceMethod).toBe('10');
    expect(body.payment_app_instance_id).toBe('');
    expect(body.tracking_id).toBe('');
    expect(body.devices).toEqual([]);
  });

  it('mdes network_data mirrors the MDES record: TokenUniqueReference, CurrentStatusCode, requestor and wallet', async () => {
    const token = await bootstrapIssuer(api, 'mdes', { wallet: 'GOOGLE_PAY' });
    const body = await getToken(api, token);
    const data = body.network_data;
    expect(data.TokenUniqueReference).toBe(body.token.key.token_ref);
    expect(data.PrimaryAccountNumberUniqueReference).toBe(body.token.key.pan_ref);
    expect(data.CurrentStatusCode).toBe('A');
    expect(data.CurrentStatusDescription).toBe('Active');
    expect(data.TokenRequestorId).toMatch(/^501[0-9]{8}$/);
    expect(data.TokenRequestorName).toBe('GOOGLE');
    expect(data.WalletId).toBe(body.wallet_id);
    expect(body.wallet_id).toBe('216');
    expect(data.PaymentAppInstanceId).toBe(body.payment_app_instance_id);
    expect(body.payment_app_instance_id).not.toBe('');
    expect(data.CorrelationId).toBe(body.tracking_id);
    expect(body.tracking_id).toMatch(/^D[0-9]{13}$/);
    expect(data.TokenSuffix).toMatch(/^[0-9]{4}$/);
    expect(data.ExpirationDate).toMatch(/^(0[1-9]|1[0-2])[0-9]{2}$/);
    expect(data.Suspenders).toEqual({});
    expect(data.FinalTokenizationDecision).toBe('A');
    expect(data.TokenDeletedFromConsumerApp).toBe('false');
    expect(body.devices).toEqual([]);
  });

  it('an INACTIVE (YELLOW) token shows it on both sides: status and the network record', async () => {
    const vts = await bootstrapIssuer(api, 'vts', { decision: 'YELLOW' });
    const mdes = await bootstrapIssuer(api, 'mdes', { decision: 'YELLOW' });
    const v = await getToken(api, vts);
    const m = await getToken(api, mdes);
    expect(v.status).toBe('INACTIVE');
    expect(v.network_data.tokenInfo.tokenStatus).toBe('INACTIVE');
    expect(v.network_data.tokenAssuranceMethod).toBe('00');
    expect(m.status).toBe('INACTIVE');
    expect(m.network_data.CurrentStatusCode).toBe('I');
    expect(m.network_data.FinalTokenizationDecision).toBe('R');
    expect(m.network_data).not.toHaveProperty('TokenActivatedDateTime');
  });

  it('a Visa token provisioned to a device lists it with its device_index and status', async () => {
    const green = await bootstrapIssuer(api, 'vts', { device_id: 'iphone-1' });
    const yellow = await bootstrapIssuer(api, 'vts', { device_id: 'pixel-1', decision: 'YELLOW' });
    const g = await getToken(api, green);
    const y = await getToken(api, yellow);
    assertMatchesSchema('pismo', 'TokenInfoCardTokenResponse', g);
    expect(g.devices).toEqual([{ device_id: 'iphone-1', device_index: 0, status: 'ACTIVE' }]);
    expect(g.network_data.deviceInfo).toMatchObject({ deviceID: 'iphone-1' });
    expect(y.devices).toEqual([{ device_id: 'pixel-1', device_index: 0, status: 'INACTIVE' }]);
  });

  it('updated_at moves with each change and only then', async () => {
    const token = await bootstrapIssuer(api, 'mdes');
    const created = clock.now.toISOString();
    expect((await getToken(api, token)).updated_at).toBe(created);
    clock.advanceMs(60_000);
    expect((await getToken(api, token)).updated_at).toBe(created);
    const res = await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'lost' });
    expect(res.status, res.text).toBe(200);
    const suspended = await getToken(api, token);
    expect(suspended.updated_at).toBe(clock.now.toISOString());
    expect(suspended.status).toBe('SUSPENDED');
    expect(suspended.network_data.CurrentStatusCode).toBe('S');
    expect(Object.keys(suspended.network_data.Suspenders)).toEqual(['ISSUER']);
  });

  it('answers 404 ERR4091 for an unknown token and 404 ERR4090 for an unknown card', async () => {
    const token = await bootstrapIssuer(api, 'vts');
    expectPismoError(await api.getToken(token.account.jwt, token.card.cardId, '1234567890'), 404, 'ERR4091', 'Token not found');
    expectPismoError(await api.listTokens(token.account.jwt, 12345678), 404, 'ERR4090', 'Card not found');
    // The right token under another (unknown) card id is not found either.
    expectPismoError(await api.getToken(token.account.jwt, 12345678, token.tokenId), 404, 'ERR4091');
  });

  it('answers 400 ERR4000 for malformed ids', async () => {
    const token = await bootstrapIssuer(api, 'vts');
    expectPismoError(await api.getToken(token.account.jwt, token.card.cardId, 'abc'), 400, 'ERR4000');
    expectPismoError(await api.issuer(token.account.jwt, 'GET', '/v1/cards/x1/network-tokens'), 400, 'ERR4000');
  });
});
