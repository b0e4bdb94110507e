/**
 * "Where the time goes": the two expensive primitives on the merchant path, timed in the bench process itself
 * (same Node, same openpgp, same parameters as the server): one OpenPGP decrypt of an `encrypted_card`, and one
 * scrypt verification of an API secret.
 */
import { encodePublicKeyForDistribution, encryptCard } from '../src/client/encrypt-card.js';
import { generateCaptureKeyPair, loadCaptureDecryptor } from '../src/vault/capture-keys.js';
import { hashSecret, verifySecret, generateSecret } from '../src/vault/secrets.js';
import { benchCard } from './cards.js';

export interface Timing {
  iterations: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

function summarize(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    iterations: samples.length,
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

async function time(iterations: number, warmup: number, fn: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return summarize(samples);
}

export interface MicroResults {
  /** One decrypt at a time: latency. */
  pgpDecrypt: Timing;
  /** CPU of the whole bench process (JS thread + libuv pool, where openpgp's WebCrypto calls run) per decrypt. */
  pgpDecryptCpuMs: number;
  /** Decrypts per second with `concurrency` in flight in one process: what one server process can reach at best. */
  pgpDecryptConcurrent: { concurrency: number; perSecond: number };
  pgpEncrypt: Timing;
  scryptVerify: Timing;
}

export async function measurePrimitives(decryptIterations = 200, scryptIterations = 10): Promise<MicroResults> {
  const pair = await generateCaptureKeyPair('curve25519', 'bench-micro');
  const publicKey = encodePublicKeyForDistribution(pair.publicKeyArmored);
  const decryptor = await loadCaptureDecryptor(pair.privateKeyArmored);
  const blobs: string[] = [];
  // Encrypt first (it also makes the blobs); its 20 warm-up runs warm up openpgp for the decrypt timing too.
  const pgpEncrypt = await time(decryptIterations, 20, async (i) => blobs.push(await encryptCard(benchCard(900_000_000 + i), publicKey)));
  for (let i = 0; i < 20; i++) await decryptor.decrypt(blobs[i]!);
  const decryptOne = async (i: number) => {
    const result = await decryptor.decrypt(blobs[i % blobs.length]!);
    if (!result.ok) throw new Error(`micro-benchmark: decrypt failed (${result.reason})`);
  };
  const cpu0 = process.cpuUsage();
  const pgpDecrypt = await time(decryptIterations, 0, decryptOne);
  const cpu = process.cpuUsage(cpu0);
  const pgpDecryptCpuMs = (cpu.user + cpu.system) / 1000 / decryptIterations;

  const concurrency = 32;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < decryptIterations * 2) await decryptOne(next++);
    }),
  );
  const pgpDecryptConcurrent = { concurrency, perSecond: (decryptIterations * 2 * 1000) / (performance.now() - t0) };

  const secret = generateSecret();
  const stored = await hashSecret(secret);
  const scryptVerify = await time(scryptIterations, 1, async () => {
    if (!(await verifySecret(secret, stored))) throw new Error('micro-benchmark: scrypt verify failed');
  });
  return { pgpDecrypt, pgpDecryptCpuMs, pgpDecryptConcurrent, pgpEncrypt, scryptVerify };
}
