/**
 * The store's instruments reach /metrics of a real server: after tokenizations, the transaction histogram counts
 * commits (and a rollback for a refused write), and the commit-batch histograms count commits, on both engines.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { tokenize, VISA } from '../support/merchant.js';

/** The value of one sample line `name{labels} value` of the exposition text (0 when absent). */
function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const [, key, value] of match[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) found[key!] = value!;
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return 0;
}

describe.each(ENGINES)('store metrics on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);

  it('counts transactions by outcome and commit batches by engine', async () => {
    const scrape = async () => (await request(server.baseUrl, 'GET', '/metrics')).text;
    const before = await scrape();
    for (const cardNumber of ['4111111111111111', '5555555555554444', '4000056655665556']) {
      expect((await tokenize(server, merchant, { ...VISA, cardNumber })).status).toBe(200);
    }
    // A refused write: suspending a deleted token is decided inside the transaction and rolls it back.
    const put = await tokenize(server, merchant, { ...VISA, cardNumber: '4012888888881881' });
    const token = put.body.reuse_token as string;
    expect((await request(server.baseUrl, 'DELETE', `/oidc/api/v2/card/${token}`, { basic: merchant.basic })).status).toBe(204);
    expect((await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${token}/suspend`, { basic: merchant.basic })).status).toBe(400);
    const after = await scrape();

    const grew = (name: string, labels: Record<string, string>) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(grew('tessera_db_transaction_duration_seconds_count', { engine, outcome: 'commit' })).toBeGreaterThanOrEqual(5);
    expect(grew('tessera_db_transaction_duration_seconds_count', { engine, outcome: 'rollback' })).toBeGreaterThanOrEqual(1);
    expect(grew('tessera_db_commit_batch_size_count', { engine })).toBeGreaterThanOrEqual(5);
    expect(grew('tessera_db_commit_batch_size_sum', { engine })).toBeGreaterThanOrEqual(5);
    expect(grew('tessera_db_commit_duration_seconds_count', { engine })).toBeGreaterThanOrEqual(5);
  });
});
