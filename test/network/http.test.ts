import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { registerNetworkCallbackRoutes } from '../../src/api/network-callbacks/routes.js';
import { createHttpGateway } from '../../src/network/http/gateway-client.js';
import { startSimulatorServer } from '../../src/network/http/server.js';
import { MASTERCARD_PAN, SECRET, VISA_PAN, failureOf, fakeIssuer, provisionRequest, tokenIn } from './helpers.js';
import { NORMAL_TIMEOUT_MS, httpHarness, type HttpHarness } from './harness.js';

let harness: HttpHarness | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  for (const c of cleanups.splice(0)) await c();
});

async function start(options?: Parameters<typeof httpHarness>[0]): Promise<HttpHarness> {
  harness = await httpHarness(options);
  return harness;
}

/** A port nothing listens on: bind one, then release it. */
async function deadPort(): Promise<number> {
  const app = Fastify();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  await app.close();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('bearer secret', () => {
  it('the simulator refuses a wrong secret, and the refused call changes nothing', async () => {
    const h = await start();
    const token = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    const intruder = createHttpGateway({ baseUrl: h.simulatorUrl, secret: 'wrong-secret-0123456789', timeoutMs: NORMAL_TIMEOUT_MS });
    const refused = await failureOf(intruder.lifecycle({ network: 'vts', tokenRef: token.tokenRef, action: 'DELETE', entity: 'ISSUER', reason: 'x' }));
    expect(refused).toMatchObject({ mode: 'bad_request', message: 'unauthorized' });
    expect((await failureOf(intruder.injectFault({ network: 'vts', mode: 'error_500' }))).message).toBe('unauthorized');
    expect(await h.simulator.getToken('vts', token.tokenRef)).toEqual(token);
    // The refused fault was not queued: the next call goes through.
    expect((await h.gateway.provision(provisionRequest('vts'))).approved).toBe(true);
  });

  it.each([
    ['no header', {}],
    ['wrong secret', { authorization: 'Bearer nope' }],
    ['secret as a prefix', { authorization: `Bearer ${SECRET}x` }],
    ['other scheme', { authorization: `Basic ${SECRET}` }],
  ])('simulator answers 401 with %s', async (_label, headers: Record<string, string>) => {
    const h = await start();
    const res = await fetch(`${h.simulatorUrl}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ network: 'vts', mode: 'error_500' }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { mode: 'bad_request', message: 'unauthorized' } });
  });

  it('the issuer callback routes refuse a wrong secret without calling the issuer', async () => {
    const h = await start();
    for (const authorization of [undefined, 'Bearer wrong-secret-0123456789']) {
      const res = await fetch(`${h.issuerUrl}/network/v1/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({
          network: 'vts',
          wallet: 'APPLE_PAY',
          pan: VISA_PAN,
          expiryMonth: 1,
          expiryYear: 2030,
          panRef: 'V-1',
          tokenRequestorId: '40010030273',
        }),
      });
      expect(res.status).toBe(401);
    }
    expect(h.issuer.decisions).toHaveLength(0);
  });

  it('short secrets are refused at start', async () => {
    await expect(startSimulatorServer({ port: 0, issuerCallbackUrl: 'http://127.0.0.1:1', secret: 'short' })).rejects.toThrow(/at least 16/);
    expect(() => registerNetworkCallbackRoutes(Fastify(), { callbacks: fakeIssuer().callbacks, secret: '' })).toThrow(/at least 16/);
  });
});

describe('transport failures', () => {
  it('connection refused → NetworkFailure error', async () => {
    const gateway = createHttpGateway({ baseUrl: `http://127.0.0.1:${await deadPort()}`, secret: SECRET, timeoutMs: NORMAL_TIMEOUT_MS });
    const failure = await failureOf(gateway.provision(provisionRequest('vts')));
    expect(failure).toMatchObject({ mode: 'error', message: 'network unreachable' });
  });

  it('issuer callbacks unreachable → provisioning fails with error, and no token is kept', async () => {
    const server = await startSimulatorServer({
      port: 0,
      issuerCallbackUrl: `http://127.0.0.1:${await deadPort()}`,
      secret: SECRET,
    });
    cleanups.push(() => server.close());
    const gateway = createHttpGateway({ baseUrl: server.url, secret: SECRET, timeoutMs: NORMAL_TIMEOUT_MS });
    const failure = await failureOf(gateway.provision(provisionRequest('mdes')));
    expect(failure).toMatchObject({ mode: 'error', message: 'issuer decision failed' });
  });

  it('a closed gateway refuses calls', async () => {
    const h = await start();
    await h.gateway.close();
    expect((await failureOf(h.gateway.provision(provisionRequest('vts')))).mode).toBe('error');
  });
});

describe('request validation never echoes card data', () => {
  const post = (h: HttpHarness, path: string, body: string) =>
    fetch(`${h.simulatorUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body,
    });

  it('an invalid field is named, its value is not', async () => {
    const h = await start();
    const res = await post(h, '/vts/provision', JSON.stringify({ ...provisionRequest('vts'), pan: `${VISA_PAN}00000` }));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { mode: 'bad_request', message: 'invalid pan' } });
    expect(text).not.toContain(VISA_PAN);
  });

  it('malformed JSON holding a PAN is refused without quoting it', async () => {
    const h = await start();
    const res = await post(h, '/vts/provision', `{"pan": ${MASTERCARD_PAN}, oops`);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain(MASTERCARD_PAN);
    expect(JSON.parse(text)).toMatchObject({ error: { mode: 'bad_request' } });
  });

  it('unknown network or route', async () => {
    const h = await start();
    expect((await post(h, '/amex/provision', JSON.stringify(provisionRequest('vts')))).status).toBe(400);
    expect((await post(h, '/nowhere', '{}')).status).toBe(404);
  });
});

describe('issuer callbacks over HTTP', () => {
  it('provisioning asks the issuer for a decision and notifies it, both over HTTP', async () => {
    const h = await start();
    const outcome = await h.gateway.provision(provisionRequest('vts', { wallet: 'GOOGLE_PAY', deviceId: 'pixel', forcedDecision: 'YELLOW' }));
    if (!outcome.approved) throw new Error('expected approval');
    expect(h.issuer.decisions).toEqual([
      {
        network: 'vts',
        wallet: 'GOOGLE_PAY',
        pan: VISA_PAN,
        expiryMonth: 12,
        expiryYear: 2030,
        panRef: outcome.token.panRef,
        tokenRequestorId: outcome.token.tokenRequestorId,
        forcedDecision: 'YELLOW',
      },
    ]);
    expect(h.issuer.notifications).toEqual([outcome.token]);
    expect(outcome.token.devices).toMatchObject([{ deviceId: 'pixel', deviceIndex: 0, status: 'INACTIVE' }]);
  });

  it('RED over HTTP: declined, not notified', async () => {
    const h = await start();
    expect(await h.gateway.provision(provisionRequest('mdes', { forcedDecision: 'RED' }))).toEqual({
      approved: false,
      reason: 'declined by issuer',
    });
    expect(h.issuer.notifications).toHaveLength(0);
  });

  it('a wallet event reaches the issuer as a notification carrying the new version', async () => {
    const h = await start();
    const token = await tokenIn(h.gateway, 'mdes', 'ACTIVE');
    const changed = await h.gateway.walletEvent({
      network: 'mdes',
      tokenRef: token.tokenRef,
      event: { kind: 'SUSPEND', entity: 'CARDHOLDER' },
    });
    expect(changed).toMatchObject({ status: 'SUSPENDED', suspenders: ['CARDHOLDER'], version: token.version + 1 });
    expect(h.issuer.notifications.at(-1)).toEqual(changed);
  });

  it('the issuer refusing the notification fails the provisioning (error) and the network keeps no token', async () => {
    const h = await start();
    h.issuer.settings.failNotify = true;
    const failure = await failureOf(h.gateway.provision(provisionRequest('vts')));
    expect(failure).toMatchObject({ mode: 'error', message: 'issuer notification failed' });
    const notified = h.issuer.notifications[0];
    expect(notified).toBeDefined();
    expect(await h.simulator.getToken('vts', notified!.tokenRef)).toBeUndefined();
  });
});

describe('callback routes on a shared server', () => {
  it('answer in the shared envelope, quote nothing from a malformed body, and leave other routes alone', async () => {
    const issuer = fakeIssuer();
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.get('/health', async () => ({ ok: true }));
    registerNetworkCallbackRoutes(app, { callbacks: issuer.callbacks, secret: SECRET });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const address = app.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no port');
    const base = `http://127.0.0.1:${address.port}`;

    expect((await fetch(`${base}/health`)).status).toBe(200);
    const res = await fetch(`${base}/network/v1/notification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: `{"pan": ${VISA_PAN},`,
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain(VISA_PAN);
    expect(JSON.parse(text)).toEqual({ error: { mode: 'bad_request', message: 'invalid request' } });
    const invalid = await fetch(`${base}/network/v1/notification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ network: 'vts' }),
    });
    expect(invalid.status).toBe(400);
    expect(issuer.notifications).toHaveLength(0);
  });
});

describe('logs', () => {
  it('the simulator server logs requests and warnings, never a PAN', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const h = await start({ logger: pino({ level: 'debug' }, sink) });
    const visa = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    await tokenIn(h.gateway, 'mdes', 'SUSPENDED');
    h.issuer.settings.failDecide = true;
    await failureOf(h.gateway.provision(provisionRequest('vts')));
    h.issuer.settings.failDecide = false;
    h.issuer.settings.failNotify = true;
    await h.gateway.walletEvent({ network: 'vts', tokenRef: visa.tokenRef, event: { kind: 'DELETE' } });
    await h.close();
    harness = undefined;

    const all = lines.join('');
    expect(all).toContain('/vts/provision');
    expect(all).toContain('issuer decision failed');
    expect(all).toContain('issuer notification failed');
    for (const pan of [VISA_PAN, MASTERCARD_PAN]) {
      expect(all).not.toContain(pan);
      expect(all).not.toContain(pan.slice(0, 12));
    }
  });
});
