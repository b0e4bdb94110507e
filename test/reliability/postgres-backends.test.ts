/**
 * Every PostgreSQL backend of a real `tessera serve` child process is terminated (`pg_terminate_backend` from a
 * separate client, found by the server's application_name) again and again while merchant PUTs of distinct cards
 * are in flight → the process stays up, every answer is a 200 or a clean 503 in the Verifone envelope (never a
 * 500), later requests succeed without a restart, and every acknowledged PUT's token is there afterwards.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildServer, type ChildServer } from '../support/child-server.js';
import { terminateBackends, withApplicationName } from '../support/database-outage.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { request, type HttpResult } from '../support/http.js';
import { bootstrapMerchant, encrypted, VISA, type TestMerchant } from '../support/merchant.js';

const CARDS = 48;
const CONCURRENCY = 8;
const TERMINATIONS = 6;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A Visa test number with a valid Luhn digit, distinct per `i`. */
function pan(i: number): string {
  const body = `49175${String(i).padStart(10, '0')}`;
  let sum = 0;
  for (const [index, char] of [...body].reverse().entries()) {
    let digit = Number(char);
    if (index % 2 === 0) digit *= 2;
    sum += digit > 9 ? digit - 9 : digit;
  }
  return body + String((10 - (sum % 10)) % 10);
}

describe.runIf(ENGINES.includes('postgres'))('terminating every PostgreSQL backend under load', () => {
  const name = `tessera_rel_${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let server: ChildServer;
  let merchant: TestMerchant;

  beforeAll(async () => {
    database = freshDatabase('postgres');
    if (database.config.engine !== 'postgres') throw new Error('unreachable');
    server = await startChildServer({
      database: { engine: 'postgres', url: withApplicationName(database.config.url, name) },
      env: { TESSERA_RECONCILE_INTERVAL_MS: '0' },
    });
    merchant = await bootstrapMerchant({ baseUrl: server.url, adminToken: server.adminToken });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const put = (encrypted_card: string) =>
    request(server.url, 'PUT', '/oidc/api/v2/card', {
      basic: merchant.basic,
      body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card },
    });

  it('stays up, answers 200 or a clean 503, recovers, and loses no acknowledged write', async () => {
    const blobs = await Promise.all(Array.from({ length: CARDS }, (_, i) => encrypted(merchant, { ...VISA, cardNumber: pan(i) })));
    const answers: Array<HttpResult | undefined> = new Array(CARDS);
    let next = 0;
    let loadDone = false;
    const worker = async () => {
      while (next < CARDS) {
        const index = next++;
        answers[index] = await put(blobs[index]!);
      }
    };
    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker)).finally(() => {
      loadDone = true;
    });
    let terminated = 0;
    for (let round = 0; round < TERMINATIONS && !loadDone; round++) {
      await pause(100);
      terminated += await terminateBackends(name);
    }
    await load;
    // The terminations met live connections: the test exercised what it claims to.
    expect(terminated).toBeGreaterThan(0);

    const statuses = answers.map((answer) => answer!.status);
    for (const answer of answers) {
      expect([200, 503], answer!.text).toContain(answer!.status);
      if (answer!.status === 503) expect(answer!.body).toMatchObject({ code: 503, reversal_status: 'NONE' });
    }
    expect((await request(server.url, 'GET', '/livez')).status).toBe(200);

    // Recovery without a restart: the refused cards go through now, and every acknowledged token is there.
    for (const [index, status] of statuses.entries()) {
      if (status !== 200) {
        const again = await put(blobs[index]!);
        expect(again.status, again.text).toBe(200);
        answers[index] = again;
      }
    }
    for (const answer of answers) {
      const token = (answer!.body as { reuse_token: string }).reuse_token;
      const read = await request(server.url, 'GET', `/oidc/api/v2/card/${token}`, { basic: merchant.basic });
      expect(read.status, read.text).toBe(200);
    }
    console.log(
      `[postgres backends] ${terminated} backends terminated; answers under load: ${statuses.filter((s) => s === 200).length} × 200, ${statuses.filter((s) => s === 503).length} × 503`,
    );
    expect(server.output()).not.toContain('unexpected error');
  });
});
