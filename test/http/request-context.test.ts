/**
 * What every answer and every access-log line carries, over real HTTP: request ids, security headers, one access
 * line per request, and URLs redacted in the log when a client puts card data in them.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { redactUrl } from '../../src/http/log-redaction.js';

const PAN = '4111111111111111';
const logs: string[] = [];
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  app = createHttpServer(createLogger('info', sink));
  app.get('/things/:id', async (request) => {
    request.actingFor = 'merchant:m-1';
    return { ok: true };
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

const accessLines = () => logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request');

describe('request context', () => {
  it('echoes a sane x-request-id and uses it in the access log', async () => {
    const response = await fetch(`${base}/things/abc`, { headers: { 'x-request-id': 'client-req-42' } });
    expect(response.headers.get('x-request-id')).toBe('client-req-42');
    const line = accessLines().find((l) => l.reqId === 'client-req-42');
    expect(line).toMatchObject({ method: 'GET', route: '/things/:id', status: 200, actingFor: 'merchant:m-1' });
    expect(typeof line?.durationMs).toBe('number');
  });

  it('replaces a missing or unsafe request id with its own', async () => {
    const none = await fetch(`${base}/livez`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${base}/livez`, { headers: { 'x-request-id': 'a b\tc' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and no-store on every answer, errors included', async () => {
    for (const path of ['/things/abc', '/no-such-route']) {
      const response = await fetch(`${base}${path}`);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('never logs a PAN or a CVV placed in the URL', async () => {
    await fetch(`${base}/things/${PAN}?cvv=123&card_number=${PAN}&note=4111-1111-1111-1111`);
    const text = logs.join('');
    expect(text).not.toContain(PAN);
    expect(text).not.toContain('4111-1111-1111-1111');
    expect(text).not.toMatch(/cvv=123/);
    expect(text).toContain('/things/[REDACTED]');
  });
});

describe('redactUrl', () => {
  it('keeps ids that are not PAN-like and redacts the ones that are', () => {
    expect(redactUrl('/v1/cards/89954488/network-tokens/2645760798')).toBe('/v1/cards/89954488/network-tokens/2645760798');
    expect(redactUrl(`/oidc/api/v2/card/${PAN}`)).toBe('/oidc/api/v2/card/[REDACTED]');
    expect(redactUrl('/x?pan=1&CVV=999&ok=yes')).toBe('/x?pan=[REDACTED]&CVV=[REDACTED]&ok=yes');
    expect(redactUrl('/x/4111 1111 1111 1111')).toBe('/x/[REDACTED]');
    expect(redactUrl('/x/4111%201111%201111%201111/y')).toBe('/x/[REDACTED]/y');
    expect(redactUrl('/x?q=4111%201111%201111%201111&page=2')).toBe('/x?q=[REDACTED]&page=2');
    expect(redactUrl(`/x/${'9'.repeat(24)}`)).toBe('/x/[REDACTED]');
  });
});
