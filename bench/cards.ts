/**
 * Test cards for the benchmark: distinct Luhn-valid Visa / Mastercard PANs (public test-BIN prefixes from the
 * sample BIN table), encrypted to the merchant's capture key with the shipped client (`encryptCard`).
 *
 * Encryption is CPU-heavy (an x25519 operation in JS per blob), so it runs in worker threads: this same file is the
 * worker's entry point.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { encryptCard, type CardInput } from '../src/client/encrypt-card.js';

/** Public test prefixes (sample BIN table): four Visa, four Mastercard. */
const PREFIXES = ['411111', '424242', '400000', '401288', '555555', '510510', '520082', '222300'] as const;

/** Luhn check digit for the digits in `body` (the PAN without its last digit). */
export function luhnCheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    // Walking from the right, the digit next to the (future) check digit is doubled.
    let digit = body.charCodeAt(body.length - 1 - i) - 48;
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

/** The `index`-th benchmark PAN: 16 digits, 6-digit test prefix + 9-digit serial + Luhn digit. Distinct per index. */
export function benchPan(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0 || index >= 1e9) throw new RangeError('card index out of range');
  const body = PREFIXES[index % PREFIXES.length]! + String(index).padStart(9, '0');
  return body + luhnCheckDigit(body);
}

export function benchCard(index: number, now: Date = new Date()): CardInput {
  return {
    cardNumber: benchPan(index),
    expiryMonth: (index % 12) + 1,
    expiryYear: now.getUTCFullYear() + 3,
    cvv: String(index % 1000).padStart(3, '0'),
    cardholderName: 'Bench Cardholder',
    // captureTime left out: encryptCard stamps "now", so each blob is valid for 15 minutes from its creation.
  };
}

interface WorkerJob {
  publicKey: string;
  start: number;
  count: number;
}

async function encryptRange(job: WorkerJob): Promise<string[]> {
  const out: string[] = new Array(job.count);
  for (let i = 0; i < job.count; i++) out[i] = await encryptCard(benchCard(job.start + i), job.publicKey);
  return out;
}

/**
 * Encrypts cards `first … first+count-1` to `publicKey` (base64 of the armored key, as the admin API hands it out),
 * split over `threads` worker threads. Returns the `encrypted_card` strings in index order.
 */
export async function generateEncryptedCards(publicKey: string, count: number, threads = Math.min(2, availableParallelism()), first = 0): Promise<string[]> {
  const per = Math.ceil(count / threads);
  const jobs: WorkerJob[] = [];
  for (let start = first; start < first + count; start += per) jobs.push({ publicKey, start, count: Math.min(per, first + count - start) });
  const parts = await Promise.all(
    jobs.map(
      (job) =>
        new Promise<string[]>((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: job });
          let result: string[] | undefined;
          worker.once('message', (blobs: string[]) => (result = blobs));
          worker.once('error', reject);
          worker.once('exit', (code) => (result && code === 0 ? resolve(result) : reject(new Error(`card worker exited with code ${code}`))));
        }),
    ),
  );
  return parts.flat();
}

if (!isMainThread && parentPort && (workerData as WorkerJob | undefined)?.publicKey) {
  const port = parentPort;
  encryptRange(workerData as WorkerJob).then(
    (blobs) => port.postMessage(blobs),
    (error: unknown) => {
      throw error;
    },
  );
}
