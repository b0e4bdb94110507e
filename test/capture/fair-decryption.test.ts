/**
 * Fair decryption over real HTTP: merchant A floods PUTs encrypted to an RSA-3072 capture key (~100 ms of CPU each
 * to decrypt) while merchant B tokenizes with curve25519. One decryption worker, so nothing but the per-merchant
 * queues and their round-robin stand between A's backlog and B. Success and ordering are asserted, never timings.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request, type HttpResult } from '../support/http.js';
import { encrypted, type TestMerchant } from '../support/merchant.js';
import type { TestServer } from '../support/app.js';
import { makePan } from '../merchant/helpers.js';

const QUEUE_PER_MERCHANT = 16;
const VICTIM_PUTS = 5;

function put(server: TestServer, merchant: TestMerchant, encryptedCard: string): Promise<HttpResult> {
  return request(server.baseUrl, 'PUT', '/oidc/api/v2/card', {
    basic: merchant.basic,
    body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: encryptedCard },
  });
}

/** Distinct cards (distinct PANs), encrypted beforehand so the flood is only the server's work. */
function cards(merchant: TestMerchant, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, () => encrypted(merchant, { cardNumber: makePan('45'), expiryMonth: 12, expiryYear: 2031 })));
}

/** A value of `/metrics` (the first sample of that name), or undefined when absent. */
async function metric(server: TestServer, name: string): Promise<number | undefined> {
  const text = (await request(server.baseUrl, 'GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Waits (polling, no deadline of its own: the test's timeout is the bound) until `condition` holds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe.each(ENGINES)('fair decryption on %s', (engine) => {
  const server = useTestServer(engine, { env: { TESSERA_DECRYPT_WORKERS: '1', TESSERA_DECRYPT_QUEUE_PER_MERCHANT: String(QUEUE_PER_MERCHANT) } });
  const flooder = useMerchant(server, {}, 'rsa3072');
  const victim = useMerchant(server);

  it("while the flooder keeps its share in flight, each of the victim's PUTs is served within a turn, not behind the backlog", {
    timeout: 120_000,
  }, async () => {
    // Warm-up (not part of what is asserted): the worker is started, both keys parsed, both credentials verified.
    expect((await put(server, flooder, (await cards(flooder, 1))[0]!)).status).toBe(200);
    expect((await put(server, victim, (await cards(victim, 1))[0]!)).status).toBe(200);
    const victimCards = await cards(victim, VICTIM_PUTS);
    const floodCards = await cards(flooder, 8 * QUEUE_PER_MERCHANT);

    // The flood: QUEUE_PER_MERCHANT requests in flight at all times (each answer sends the next), until told to stop.
    let flooding = true;
    let floodAnswered = 0;
    const floodStatuses: number[] = [];
    const lane = async (): Promise<void> => {
      while (flooding) {
        const card = floodCards.pop();
        if (card === undefined) throw new Error('flood ran out of cards before the victim was done');
        const result = await put(server, flooder, card);
        floodStatuses.push(result.status);
        floodAnswered++;
      }
    };
    const lanes = Array.from({ length: QUEUE_PER_MERCHANT }, lane);
    // The flood is queued: more than half of it waits for the one worker.
    await until(async () => ((await metric(server, 'tessera_decrypt_queue_depth')) ?? 0) >= QUEUE_PER_MERCHANT / 2);

    const victimResults: HttpResult[] = [];
    /** How many of the flooder's requests were answered while each victim PUT was in progress. */
    const floodAnsweredDuring: number[] = [];
    for (const card of victimCards) {
      const before = floodAnswered;
      victimResults.push(await put(server, victim, card));
      floodAnsweredDuring.push(floodAnswered - before);
    }
    flooding = false;
    await Promise.all(lanes);

    expect(victimResults.map((r) => r.status)).toEqual(victimCards.map(() => 200));
    for (const result of victimResults) expect(result.body).toMatchObject({ token_status: 'ACTIVE', last_four: expect.any(String) });
    // Within its share, every one of the flooder's requests is served too.
    expect(floodStatuses.every((status) => status === 200)).toBe(true);
    // Behind one shared FIFO, a victim PUT would wait for the whole backlog (about QUEUE_PER_MERCHANT answers to
    // the flooder); served round-robin it waits for what the worker holds and one turn.
    for (const answered of floodAnsweredDuring) expect(answered).toBeLessThan(QUEUE_PER_MERCHANT / 2);
    // And /metrics counted the decryptions.
    expect(await metric(server, 'tessera_decrypt_duration_seconds_count')).toBeGreaterThanOrEqual(2 + floodAnswered + VICTIM_PUTS);
  });

  it('beyond its queue bound the flooder gets 429 in the Verifone envelope with Retry-After; the victim is still served', { timeout: 120_000 }, async () => {
    const floodCards = await cards(flooder, QUEUE_PER_MERCHANT * 2);
    const [victimCard] = await cards(victim, 1);
    const flood = Promise.all(floodCards.map((card) => put(server, flooder, card)));
    const victimResult = await put(server, victim, victimCard!);
    const results = await flood;

    expect(victimResult.status).toBe(200);
    const limited = results.filter((r) => r.status === 429);
    const served = results.filter((r) => r.status === 200);
    expect(limited.length).toBeGreaterThan(0);
    expect(served.length).toBeGreaterThanOrEqual(QUEUE_PER_MERCHANT);
    expect(limited.length + served.length).toBe(results.length);
    for (const result of limited) {
      expect(Number(result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(result.body).toEqual({
        code: 429,
        message: expect.stringContaining('Retry-After'),
        details: {},
        timestamp: expect.any(Number),
        reversal_status: 'NONE',
      });
    }
    // The refusal left nothing behind: once the flood is over, the flooder is served again.
    expect((await put(server, flooder, (await cards(flooder, 1))[0]!)).status).toBe(200);
  });
});
