/**
 * The HTTP deployment: Tessera with TESSERA_NETWORK_URL set, talking to `startSimulatorServer` over a real
 * network hop, the simulator calling back Tessera's `/network/v1/*` routes; both share TESSERA_NETWORK_SECRET.
 * Provisioning, operations, wallet events and faults all cross the hop; the network's own view (the simulator's
 * record) is checked against Tessera's after each step.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import {
  NETWORKS,
  NETWORK_SECRET,
  SHORT_TIMEOUT_ENV,
  auditRowsOf,
  bootstrapIssuer,
  expectAdminError,
  expectPismoError,
  getToken,
  startIssuerServer,
  type TestToken,
} from '../support/issuer.js';

describe.each(ENGINES)('HTTP deployment of the network on %s', (engine) => {
  const env = useIssuerServer(engine, { deployment: 'http', env: SHORT_TIMEOUT_ENV });
  const { api } = env;

  /** The token as the network itself holds it. */
  async function networkView(token: TestToken) {
    const record = await env.network!.simulator.getToken(token.card.network, token.tokenRef);
    expect(record, 'the network knows the token').toBeDefined();
    return record!;
  }

  async function expectBothSides(token: TestToken, status: string) {
    const body = await getToken(api, token);
    expect(body.status).toBe(status);
    expect((await networkView(token)).status).toBe(status);
    return body;
  }

  it('Tessera is configured for the hop: gateway URL and shared secret', () => {
    expect(env.server.config.network.url).toBe(env.network!.url);
    expect(env.server.config.network.secret).toBe(NETWORK_SECRET);
  });

  it.each(NETWORKS)('%s: provisions GREEN (ACTIVE), YELLOW (INACTIVE), RED (declined) across the hop', async (network) => {
    const green = await bootstrapIssuer(api, network, { decision: 'GREEN' });
    const body = await expectBothSides(green, 'ACTIVE');
    expect(body.network_data).toEqual((await networkView(green)).networkData);
    const yellow = await bootstrapIssuer(api, network, { decision: 'YELLOW' });
    await expectBothSides(yellow, 'INACTIVE');

    const red = await api.provision({ card_id: green.card.cardId, wallet: 'SAMSUNG_PAY', decision: 'RED' });
    expectAdminError(red, 422, 'declined');
    expect((await api.listTokens(green.account.jwt, green.card.cardId)).body.tokens).toHaveLength(1);
  });

  it.each(NETWORKS)('%s: SUSPEND, RESUME, activation and DELETE are applied on both sides', async (network) => {
    const token = await bootstrapIssuer(api, network, { decision: 'YELLOW' });
    const op = (operation_type: string, extra: Record<string, string> = {}) =>
      api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type, operation_reason: 'over http', ...extra });
    expect((await op(network === 'mdes' ? 'CARDHOLDER_STEPUP_APP_TO_APP' : 'CALL_CENTER_ACTIVATION', { activation_code: '1' })).status).toBe(200);
    await expectBothSides(token, 'ACTIVE');
    expect((await op('SUSPEND')).status).toBe(200);
    expect((await networkView(token)).suspenders).toEqual(['ISSUER']);
    await expectBothSides(token, 'SUSPENDED');
    expect((await op('RESUME')).status).toBe(200);
    await expectBothSides(token, 'ACTIVE');
    expect((await op('DELETE')).status).toBe(200);
    const body = await expectBothSides(token, 'DEACTIVATED');
    expect(body.network_data).toEqual((await networkView(token)).networkData);
    expectPismoError(await op('RESUME'), 400, 'ERR4001');
  });

  it('wallet events reach Tessera through the notification callback', async () => {
    const token = await bootstrapIssuer(api, 'vts', { device_id: 'phone' });
    const suspend = await api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'TOKEN_REQUESTOR' });
    expect(suspend.status, suspend.text).toBe(200);
    expect(suspend.body).toMatchObject({ status: 'SUSPENDED', network_status: 'SUSPENDED' });
    await expectBothSides(token, 'SUSPENDED');
    expectPismoError(
      await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'RESUME', operation_reason: 'x' }),
      400,
      'ERR4004',
    );
    expect((await auditRowsOf(env.server, token.tokenId)).at(-1)).toMatchObject({ actor: 'network:vts', status_before: 'ACTIVE', status_after: 'SUSPENDED' });

    expect((await api.walletEvent({ token_id: token.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id: 'tablet' })).status).toBe(200);
    expect((await getToken(api, token)).devices).toEqual([
      { device_id: 'phone', device_index: 0, status: 'ACTIVE' },
      { device_id: 'tablet', device_index: 1, status: 'INACTIVE' },
    ]);
  });

  it('device binding crosses the hop and answers {network_ack: true}', async () => {
    const token = await bootstrapIssuer(api, 'vts', { device_id: 'phone', decision: 'YELLOW' });
    const bind = (operation_type: string) =>
      api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', {
        operator_id: 'op',
        operation_type,
        operation_reason: 'FOUND_DEVICE',
        device_index: 0,
      });
    const approve = await bind('TOKEN_DEVICE_BINDING_APPROVE');
    expect(approve.status, approve.text).toBe(200);
    expect(approve.body).toEqual({ network_ack: true });
    expect((await networkView(token)).devices.map((d) => [d.deviceId, d.status])).toEqual([['phone', 'ACTIVE']]);
    expect((await bind('TOKEN_DEVICE_BINDING_REMOVE')).status).toBe(200);
    expect((await networkView(token)).devices).toEqual([]);
    expect((await getToken(api, token)).devices).toEqual([]);
  });

  it.each(NETWORKS)('%s: a timeout fault over the hop answers 500, changes nothing on either side; the next call succeeds', async (network) => {
    const token = await bootstrapIssuer(api, network);
    const before = await getToken(api, token);
    const versionBefore = (await networkView(token)).version;
    const fault = await api.fault({ network, operation: 'lifecycle', mode: 'timeout' });
    expect(fault.status, fault.text).toBe(204);
    const op = { operation_type: 'SUSPEND', operation_reason: 'timeout over http' };
    expectPismoError(await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op), 500, 'ERR5001', 'Fail on send event');
    expect(await getToken(api, token)).toEqual(before);
    expect((await networkView(token)).version).toBe(versionBefore);

    expect((await api.operate(token.account.jwt, token.card.cardId, token.tokenId, op)).status).toBe(200);
    await expectBothSides(token, 'SUSPENDED');
  });

  it('an error_400 fault over the hop answers 400 ERR4021; a provision fault answers 502', async () => {
    const token = await bootstrapIssuer(api, 'mdes');
    expect((await api.fault({ network: 'mdes', operation: 'lifecycle', mode: 'error_400' })).status).toBe(204);
    expectPismoError(
      await api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'x' }),
      400,
      'ERR4021',
      'network respond bad request error',
    );
    await expectBothSides(token, 'ACTIVE');

    expect((await api.fault({ network: 'mdes', operation: 'provision', mode: 'timeout' })).status).toBe(204);
    expectAdminError(await api.provision({ card_id: token.card.cardId, wallet: 'GOOGLE_PAY' }), 502, 'network_error');
    expect((await api.listTokens(token.account.jwt, token.card.cardId)).body.tokens).toHaveLength(1);
    expect((await api.provision({ card_id: token.card.cardId, wallet: 'GOOGLE_PAY' })).status).toBe(201);
  });

  it('the callback routes refuse callers without the shared secret', async () => {
    const token = await bootstrapIssuer(api, 'vts');
    const record = await networkView(token);
    for (const bearer of [undefined, 'not-the-network-secret-000000']) {
      const forged = { ...record, status: 'DEACTIVATED', suspenders: [], version: record.version + 100 };
      const res = await request(env.server.baseUrl, 'POST', '/network/v1/notification', { ...(bearer ? { bearer } : {}), body: forged });
      expect(res.status).toBe(401);
      const decision = await request(env.server.baseUrl, 'POST', '/network/v1/decision', { ...(bearer ? { bearer } : {}), body: {} });
      expect(decision.status).toBe(401);
    }
    expect((await getToken(api, token)).status).toBe('ACTIVE');
  });
});

describe.each(ENGINES)('HTTP deployment with the network down on %s', (engine) => {
  it('an unreachable network answers 500 "Fail on send event" and changes nothing; provisioning 502', async () => {
    const env = await startIssuerServer(engine, { deployment: 'http', env: SHORT_TIMEOUT_ENV });
    try {
      const token = await bootstrapIssuer(env.api, 'vts');
      const before = await getToken(env.api, token);
      await env.network!.close();
      expectPismoError(
        await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'x' }),
        500,
        'ERR5001',
        'Fail on send event',
      );
      expect(await getToken(env.api, token)).toEqual(before);
      expectAdminError(await env.api.provision({ card_id: token.card.cardId, wallet: 'APPLE_PAY' }), 502, 'network_error');
    } finally {
      await env.server.close();
    }
  });
});
