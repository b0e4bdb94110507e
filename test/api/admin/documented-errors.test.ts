/**
 * The admin document served at /openapi/admin.json documents the answers the edge gives on every operation:
 * 405 (with `Allow`) for a method the path does not define, and 429 (with `Retry-After`) for a rate limit. And
 * the real answers match what it documents.
 */
import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../support/fixture.js';
import { type HttpResult, request } from '../../support/http.js';
import { assertMatchesSchema } from '../../support/contract.js';

describe('405 and 429 in the served admin document', () => {
  const server = useTestServer('sqlite', { env: { TESSERA_RATE_LIMIT_PER_CREDENTIAL: '5' } });

  it('every operation documents 405 with Allow and 429 with Retry-After', async () => {
    const doc = (await request(server.baseUrl, 'GET', '/openapi/admin.json')).body;
    let operations = 0;
    for (const item of Object.values(doc.paths) as Array<Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>) {
      for (const operation of Object.values(item)) {
        operations++;
        expect(operation.responses['405']?.headers).toHaveProperty('Allow');
        expect(operation.responses['429']?.headers).toHaveProperty('Retry-After');
      }
    }
    expect(operations).toBeGreaterThan(20);
  });

  it('the answers are the documented ones', async () => {
    const wrong = await request(server.baseUrl, 'PUT', '/admin/v1/merchants', { bearer: server.adminToken });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
    assertMatchesSchema('admin', 'Error', wrong.body);
    let limited: HttpResult | undefined;
    for (let i = 0; i < 10 && limited?.status !== 429; i++)
      limited = await request(server.baseUrl, 'GET', '/admin/v1/merchants', { bearer: server.adminToken });
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    assertMatchesSchema('admin', 'Error', limited?.body);
  });
});
