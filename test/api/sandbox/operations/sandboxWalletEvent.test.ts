/**
 * sandboxWalletEvent, `POST /sandbox/v1/wallet-events`: a wallet's event reaching the token through the network
 * (suspend, resume, delete, device binding request); 400, 404 and 401 in the admin envelope. (The network's
 * refusals relayed as 400: test/issuer/admin-sandbox.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../../../support/engines.js';
import { useIssuerServer, useIssuerToken } from '../../../support/fixture.js';
import { request } from '../../../support/http.js';
import { bootstrapIssuer, expectAdminError, getToken, statusOf } from '../../../support/issuer.js';

describe.each(ENGINES)('sandboxWalletEvent on %s', (engine) => {
  const env = useIssuerServer(engine);
  const { api } = env;
  const visa = useIssuerToken(env, 'vts');

  it('answers 200 with both statuses: a cardholder SUSPEND, then RESUME, then DELETE', async () => {
    const token = await bootstrapIssuer(api, 'mdes');
    const suspend = await api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'CARDHOLDER' });
    expect([suspend.status, suspend.body]).toEqual([200, { token_id: token.tokenId, status: 'SUSPENDED', network_status: 'SUSPENDED' }]);
    const resume = await api.walletEvent({ token_id: token.tokenId, event: 'RESUME', entity: 'CARDHOLDER' });
    expect([resume.status, resume.body.status]).toEqual([200, 'ACTIVE']);
    const remove = await api.walletEvent({ token_id: token.tokenId, event: 'DELETE', entity: 'TOKEN_REQUESTOR' });
    expect([remove.status, remove.body.status]).toEqual([200, 'DEACTIVATED']);
    expect(await statusOf(api, token)).toBe('DEACTIVATED');
  });

  it('answers 200 to a Visa device binding request; the device then waits for approval', async () => {
    const res = await api.walletEvent({ token_id: visa.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id: 'watch-1' });
    expect(res.status, res.text).toBe(200);
    const devices = (await getToken(api, visa)).devices as { device_id: string; status: string }[];
    expect(devices.find((device) => device.device_id === 'watch-1')?.status).toBe('INACTIVE');
  });

  it('answers 400 for an incomplete event, 404 for an unknown token and 401 without the admin token', async () => {
    expectAdminError(await api.walletEvent({ token_id: visa.tokenId, event: 'SUSPEND' }), 400, 'invalid_request');
    expectAdminError(await api.walletEvent({ token_id: visa.tokenId, event: 'DEVICE_BINDING_REQUEST' }), 400, 'invalid_request');
    expectAdminError(await api.walletEvent({ token_id: '1234567890', event: 'DELETE' }), 404, 'not_found');
    const anonymous = await request(env.server.baseUrl, 'POST', '/sandbox/v1/wallet-events', { body: { token_id: visa.tokenId, event: 'DELETE' } });
    expectAdminError(anonymous, 401, 'unauthorized');
    expect(await statusOf(api, visa)).toBe('ACTIVE');
  });
});
