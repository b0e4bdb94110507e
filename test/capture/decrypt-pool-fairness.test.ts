/**
 * The decryption pool's scheduling, with real workers and real OpenPGP: owners served round-robin, a bound per
 * owner, one owner's crashing job harmless to another owner's, and the queue metrics it reports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePublicKeyForDistribution, encryptCard } from '../../src/client/encrypt-card.js';
import { generateCaptureKeyPair, type CaptureKeyPair } from '../../src/vault/capture-keys.js';
import { createDecryptPool, DecryptQueueFull, DecryptWorkerError, type DecryptPool } from '../../src/vault/decrypt-pool.js';

const FAULTY_WORKER = new URL('../support/faulty-decrypt-worker.ts', import.meta.url);
const CARD = { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2029 };

let pair: CaptureKeyPair;
let blob: string;
const pools: DecryptPool[] = [];
const pool = (options: Parameters<typeof createDecryptPool>[0]) => {
  const made = createDecryptPool(options);
  pools.push(made);
  return made;
};

beforeAll(async () => {
  pair = await generateCaptureKeyPair('curve25519', 'fairness');
  blob = await encryptCard(CARD, encodePublicKeyForDistribution(pair.publicKeyArmored));
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('decrypt pool scheduling', () => {
  it("serves owners round-robin: a later owner's jobs do not wait for an earlier owner's backlog", async () => {
    const own = pool({ workers: 1, inFlightPerWorker: 1 });
    const [a, b] = await Promise.all([own.load(pair.privateKeyArmored, 'a'), own.load(pair.privateKeyArmored, 'b')]);
    const order: string[] = [];
    const track = (name: string, decrypt: Promise<unknown>) => decrypt.then(() => order.push(name));
    const jobs = [
      ...Array.from({ length: 6 }, (_, i) => track(`a${i}`, a.decrypt(blob))),
      ...Array.from({ length: 2 }, (_, i) => track(`b${i}`, b.decrypt(blob))),
    ];
    await Promise.all(jobs);
    // a0 was already running and a1 had the turn when b queued; then the owners alternate.
    expect(order).toEqual(['a0', 'a1', 'b0', 'a2', 'b1', 'a3', 'a4', 'a5']);
  });

  it('refuses an owner beyond its share at once, leaves other owners alone, and frees the share as jobs finish', async () => {
    const own = pool({ workers: 1, queuePerOwner: 2 });
    const [a, b] = await Promise.all([own.load(pair.privateKeyArmored, 'a'), own.load(pair.privateKeyArmored, 'b')]);
    const first = [a.decrypt(blob), a.decrypt(blob)];
    const refused = await a.decrypt(blob).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DecryptQueueFull);
    expect((refused as DecryptQueueFull).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await b.decrypt(blob)).ok).toBe(true);
    expect((await Promise.all(first)).every((r) => r.ok)).toBe(true);
    expect((await a.decrypt(blob)).ok).toBe(true);
  });

  it("a job that crashes its worker fails alone: another owner's job on the other worker is answered, and the worker is replaced", async () => {
    const own = pool({ workers: 2, entry: FAULTY_WORKER });
    const [a, b] = await Promise.all([own.load(pair.privateKeyArmored, 'a'), own.load(pair.privateKeyArmored, 'b')]);
    const bystander = b.decrypt(blob);
    await expect(a.decrypt('CRASH')).rejects.toBeInstanceOf(DecryptWorkerError);
    expect((await bystander).ok).toBe(true);
    expect((await a.decrypt(blob)).ok).toBe(true);
    expect((await b.decrypt(blob)).ok).toBe(true);
  });

  it('reports the queue depth as it changes and the duration of each decryption', async () => {
    const depths: number[] = [];
    const durations: Array<{ seconds: number; outcome: string }> = [];
    const own = pool({
      workers: 1,
      inFlightPerWorker: 1,
      metrics: { decryptQueueDepth: (depth) => depths.push(depth), decryptDuration: (seconds, outcome) => durations.push({ seconds, outcome }) },
    });
    const a = await own.load(pair.privateKeyArmored, 'a');
    depths.length = 0;
    await Promise.all(Array.from({ length: 4 }, () => a.decrypt(blob)));
    expect(Math.max(...depths)).toBe(3);
    expect(depths.at(-1)).toBe(0);
    expect(durations).toHaveLength(4);
    for (const d of durations) {
      expect(d.outcome).toBe('ok');
      expect(d.seconds).toBeGreaterThan(0);
    }
  });
});
