/**
 * The API reference over real HTTP: every document of openapi/ at /openapi/<name>.json, byte-for-byte the file's
 * content; /docs an HTML page naming each document and loading only assets of this server, which it serves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { DOCS_CSP, registerDocs } from '../../src/http/docs.js';
import { OPENAPI_DIR } from '../../src/http/openapi.js';

let app: FastifyInstance;
let base: string;
const files = readdirSync(OPENAPI_DIR).filter((f) => f.endsWith('.openapi.json'));

beforeAll(async () => {
  app = createHttpServer(createLogger('silent'));
  await registerDocs(app);
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

describe('/openapi/<name>.json', () => {
  it('the repository has the four documents', () => {
    expect(files.sort()).toEqual([
      'admin.openapi.json',
      'pismo-tokenization.openapi.json',
      'tessera-cryptogram.openapi.json',
      'verifone-token-management.openapi.json',
    ]);
  });

  it.each(files)('serves %s as JSON equal to the file', async (file) => {
    const name = file.replace(/\.openapi\.json$/, '');
    const response = await fetch(`${base}/openapi/${name}.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(JSON.parse(readFileSync(join(OPENAPI_DIR, file), 'utf8')));
  });

  it('answers 404 for a document that does not exist, and does not read paths outside openapi/', async () => {
    for (const path of ['/openapi/nope.json', '/openapi/..%2Fpackage.json', '/openapi/../package.json']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
  });
});

describe('/docs', () => {
  it('redirects /docs to /docs/ and serves an HTML reference over every document, with a same-origin CSP', async () => {
    const bare = await fetch(`${base}/docs`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/docs/');

    const response = await fetch(`${base}/docs/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(DOCS_CSP);
    const html = await response.text();
    expect(html).toContain('<title>Tessera API reference</title>');
    for (const file of files) expect(html).toContain(`/openapi/${file.replace(/\.openapi\.json$/, '')}.json`);
    for (const title of ['Verifone eCommerce API', 'Card issuing - Tokenization', 'Tessera admin and sandbox API']) expect(html).toContain(title);
  });

  it('loads scripts only from this server, and serves them', async () => {
    const html = await (await fetch(`${base}/docs/`)).text();
    const sources = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source, source).not.toMatch(/^(https?:)?\/\//);
      const asset = await fetch(new URL(source, `${base}/docs/`));
      expect(asset.status, source).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect((await asset.text()).length).toBeGreaterThan(100_000);
    }
    // No web fonts from a third party, no telemetry.
    expect(html).toMatch(/"withDefaultFonts": false/);
    expect(html).toMatch(/"telemetry": false/);
  });
});
