/**
 * The operator's endpoints mounted together on one server, as main.ts will: metrics count the API routes mounted
 * after them (and before), readiness, docs and documents answer, and the API's strict CSP is untouched while the
 * docs page gets its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/http/metrics.js';
import { addOperationalRoutes } from '../../src/http/ops.js';
import { DOCS_CSP } from '../../src/http/docs.js';
import { packageVersion } from '../../src/startup.js';

let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  app = createHttpServer(createLogger('silent'));
  app.get('/before', async () => ({ ok: true }));
  const documents = await addOperationalRoutes(app, {
    metrics: createMetrics(),
    readiness: [{ name: 'database', check: async () => undefined }],
  });
  expect(documents.map((d) => d.name)).toEqual(['verifone-token-management', 'pismo-tokenization', 'admin', 'tessera-cryptogram']);
  app.get('/api/thing', async () => ({ ok: true }));
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

describe('operational routes together', () => {
  it('metrics count routes mounted after and before them', async () => {
    await fetch(`${base}/api/thing`);
    await fetch(`${base}/before`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^tessera_http_requests_total\{method="GET",route="\/api\/thing",status="200"\} 1$/m);
    expect(text).toMatch(/^tessera_http_requests_total\{method="GET",route="\/before",status="200"\} 1$/m);
  });

  it('readiness, docs and every document answer; the API keeps its strict CSP, the docs page gets its own', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const docs = await fetch(`${base}/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toBe(DOCS_CSP);
    for (const name of ['verifone-token-management', 'pismo-tokenization', 'admin', 'tessera-cryptogram'])
      expect((await fetch(`${base}/openapi/${name}.json`)).status).toBe(200);
    const api = await fetch(`${base}/api/thing`);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(api.headers.get('cache-control')).toBe('no-store');
  });

  it('packageVersion reads the package version', () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
