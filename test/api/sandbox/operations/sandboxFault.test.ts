/**
 * sandboxFault, `POST /sandbox/v1/faults`: the simulated network fails its next `count` calls of one operation
 * on one network, then recovers; 400 and 401 in the admin envelope. (Every mode against every operation, in
 * process and over HTTP: test/issuer/faults.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { createAccount, createCard, expectAdminError } from '../../../support/issuer.js';

describe.each(ENGINES)('sandboxFault on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;

  it('answers 204; the next `count` provisionings on that network fail with 502, the other network and then the next call succeed', async () => {
    const account = await createAccount(api);
    const visa = await createCard(api, account, 'vts');
    const mastercard = await createCard(api, account, 'mdes');
    const res = await api.fault({ network: 'vts', operation: 'provision', mode: 'error_500', count: 2 });
    expect([res.status, res.text]).toEqual([204, '']);
    expect((await api.provision({ card_id: mastercard.cardId, wallet: 'APPLE_PAY' })).status).toBe(201);
    expectAdminError(await api.provision({ card_id: visa.cardId, wallet: 'APPLE_PAY' }), 502, 'network_error');
    expectAdminError(await api.provision({ card_id: visa.cardId, wallet: 'APPLE_PAY' }), 502, 'network_error');
    expect((await api.provision({ card_id: visa.cardId, wallet: 'APPLE_PAY' })).status).toBe(201);
  });

  it('answers 400 for an unknown mode, network or operation, or a count out of range', async () => {
    for (const body of [
      { network: 'vts', mode: 'explode' },
      { network: 'amex', mode: 'error_500' },
      { network: 'vts', mode: 'error_500', operation: 'authorize' },
      { network: 'vts', mode: 'error_500', count: 0 },
    ]) {
      expectAdminError(await api.admin('POST', '/sandbox/v1/faults', body), 400, 'invalid_request');
    }
  });

  it('answers 401 without the admin token, queueing no fault', async () => {
    const account = await createAccount(api);
    const card = await createCard(api, account, 'vts');
    const res = await request(env.server.baseUrl, 'POST', '/sandbox/v1/faults', { body: { network: 'vts', operation: 'provision', mode: 'error_500' } });
    expectAdminError(res, 401, 'unauthorized');
    expect((await api.provision({ card_id: card.cardId, wallet: 'APPLE_PAY' })).status).toBe(201);
  });
});
