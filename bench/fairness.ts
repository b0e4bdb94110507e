/**
 * The fairness scenario (issue 8 point 6): two merchants on one server, one flooding PUTs encrypted to an RSA-3072
 * capture key (~100 ms of CPU each to decrypt, against ~1 ms for curve25519) with FLOOD_IN_FLIGHT requests in
 * flight at all times, the other tokenizing curve25519 cards on VICTIM_IN_FLIGHT connections. Prints the victim's
 * p50/p99 next to the flood's, and how many of the flood's requests were refused with 429 (over its share).
 *
 * Before per-merchant queues, the victim's PUT waited behind the whole flood (24 s measured with 16 in flight);
 * now it waits for what a decryption worker holds and one turn of the round-robin.
 */
import { bootstrapMerchant, http, primeMerchantAuth, type BenchMerchant } from './context.js';
import { generateEncryptedCards } from './cards.js';

const FLOOD_IN_FLIGHT = 16;
const VICTIM_IN_FLIGHT = 2;
/** Card indexes far above the main scenarios' pool, so no card is tokenized twice. */
const FIRST_CARD = 500_000_000;

export interface SideResult {
  requests: number;
  ok: number;
  limited: number;
  otherErrors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface FairnessResult {
  seconds: number;
  victim: SideResult;
  flood: SideResult;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Keeps `inFlight` PUTs of `merchant` going until `until` (epoch ms) or the cards run out; times the 2xx ones. */
async function drive(baseUrl: string, merchant: BenchMerchant, cards: string[], inFlight: number, until: number): Promise<SideResult> {
  const latencies: number[] = [];
  let requests = 0;
  let limited = 0;
  let otherErrors = 0;
  const lane = async () => {
    while (Date.now() < until) {
      const card = cards.pop();
      if (card === undefined) return;
      const t0 = performance.now();
      const response = await fetch(`${baseUrl}/oidc/api/v2/card`, {
        method: 'PUT',
        headers: { authorization: merchant.authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: card }),
      });
      await response.arrayBuffer();
      requests++;
      if (response.ok) latencies.push(performance.now() - t0);
      else if (response.status === 429) limited++;
      else otherErrors++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  latencies.sort((a, b) => a - b);
  return {
    requests,
    ok: latencies.length,
    limited,
    otherErrors,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN,
  };
}

export async function runFairness(baseUrl: string, adminToken: string, seconds: number): Promise<FairnessResult> {
  const flooder = await bootstrapMerchant(baseUrl, adminToken, 'rsa3072');
  const victim = await bootstrapMerchant(baseUrl, adminToken);
  await primeMerchantAuth({ baseUrl, merchant: flooder });
  await primeMerchantAuth({ baseUrl, merchant: victim });
  // Enough cards for either side not to run dry in `seconds` on a 2-core machine (a side that does stops early:
  // its request count shows it).
  const [floodCards, victimCards] = await Promise.all([
    generateEncryptedCards(flooder.publicKey, Math.max(100, Math.ceil(seconds * 40)), 1, FIRST_CARD),
    generateEncryptedCards(victim.publicKey, Math.max(500, Math.ceil(seconds * 300)), 2, FIRST_CARD + 10_000_000),
  ]);
  // One PUT each first: worker started, keys parsed (not measured).
  for (const [merchant, cards] of [
    [flooder, floodCards],
    [victim, victimCards],
  ] as const) {
    const warm = await http(baseUrl, 'PUT', '/oidc/api/v2/card', {
      authorization: merchant.authorization,
      body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: cards.pop() },
    });
    if (warm.status !== 200) throw new Error(`fairness warm-up PUT: HTTP ${warm.status}: ${JSON.stringify(warm.body).slice(0, 300)}`);
  }
  const until = Date.now() + seconds * 1000;
  const [flood, victimResult] = await Promise.all([
    drive(baseUrl, flooder, floodCards, FLOOD_IN_FLIGHT, until),
    drive(baseUrl, victim, victimCards, VICTIM_IN_FLIGHT, until),
  ]);
  return { seconds, victim: victimResult, flood };
}

export function describeFairness(result: FairnessResult): string[] {
  const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(n < 10 ? 1 : 0));
  const side = (name: string, r: SideResult, inFlight: number) =>
    `  ${name.padEnd(30)} ${String(inFlight).padStart(9)}  ${String(r.ok).padStart(6)}  ${ms(r.p50Ms).padStart(7)}  ${ms(r.p99Ms).padStart(7)}  ${ms(r.maxMs).padStart(7)}  ${String(r.limited).padStart(5)}  ${String(r.otherErrors).padStart(6)}`;
  return [
    `Fairness (${result.seconds} s, one server, two merchants; latency of 2xx PUTs in ms):`,
    `  ${'merchant'.padEnd(30)} ${'in flight'.padStart(9)}  ${'2xx'.padStart(6)}  ${'p50'.padStart(7)}  ${'p99'.padStart(7)}  ${'max'.padStart(7)}  ${'429'.padStart(5)}  ${'errors'.padStart(6)}`,
    side('victim (curve25519)', result.victim, VICTIM_IN_FLIGHT),
    side('flood (RSA-3072)', result.flood, FLOOD_IN_FLIGHT),
  ];
}
