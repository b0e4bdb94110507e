/**
 * Capture-blob decryption off the request thread: one worker thread (decrypt-worker.ts), replaced if it fails,
 * holding the parsed private keys it has been sent and answering decrypt requests with the same DecryptResult as
 * the in-process decryptor (capture-keys.ts). Capture keys are generated there too, so the request thread never loads
 * openpgp at all (~17 MB of RSS saved per process, measured).
 *
 * Why: an OpenPGP decrypt costs ~1 ms of CPU for curve25519 (openpgp's WebCrypto plumbing, parsing, streams) and
 * ~100 ms for rsa3072; on the HTTP thread that caps PUT throughput and stalls every other request. In a worker it
 * runs on another core: on a 2-core machine the request thread's CPU per PUT fell from ~1.8 ms to ~0.75 ms and
 * PUT/s rose ~470 → ~900 (bench, 32 connections); total CPU per PUT is unchanged. One worker: on 2 cores a second
 * one would compete with the request thread and add memory (each worker isolate with openpgp loaded costs
 * ~20-25 MB of RSS, measured).
 *
 * Keys: the armored private key is sent to a worker once (per worker lifetime) and parsed there; the pool keeps
 * the armored text so a replacement worker can be given the key again. Nothing here logs or echoes key material.
 *
 * Failure: a worker that exits (crash, out of memory) or that has work outstanding and answers nothing for
 * `stallTimeoutMs` is stopped; its outstanding requests reject with DecryptWorkerError (the caller answers 500)
 * and the next request starts a fresh worker. No request waits forever.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { MAX_ENCRYPTED_CARD_CHARS, type CaptureDecryptor, type CaptureKeyAlgorithm, type CaptureKeyPair, type DecryptResult } from './capture-types.js';

// ---- protocol (main ⇄ worker) --------------------------------------------------------------------------------

export type DecryptWorkerRequest =
  /** Parse a private key and keep it under `key`. A reply (fingerprint or error) only when `id` is given. */
  | { op: 'load'; id?: number; key: number; armored: string }
  | { op: 'decrypt'; id: number; key: number; blob: string }
  | { op: 'generate'; id: number; algorithm: CaptureKeyAlgorithm; label: string };

export type DecryptWorkerReply =
  /** Sent once, when the worker's modules have loaded. */
  | { ready: true }
  | { id: number; keyFingerprint: string; decryptionKeyIDs: string[] }
  | { id: number; result: DecryptResult }
  | { id: number; pair: CaptureKeyPair }
  | { id: number; error: string };

// ---- pool -----------------------------------------------------------------------------------------------------

/** The decryption worker failed (exited, hung, or the pool is closed): not a verdict on the blob. */
export class DecryptWorkerError extends Error {
  override readonly name = 'DecryptWorkerError';
}

export interface DecryptPoolOptions {
  /**
   * A started worker with requests outstanding that answers none for this long is presumed hung and stopped.
   * Default 10 s. Starting up (loading openpgp) may take up to max(this, 60 s).
   */
  stallTimeoutMs?: number;
  /** V8 heap limits per worker (caps what a worker can cost; exceeding them ends the worker, not the process). */
  resourceLimits?: ResourceLimits;
  /** How long close() lets requests already in a worker finish before stopping it. Default 5 s. */
  closeGraceMs?: number;
  /** Worker entry module (tests substitute a faulty one). Default: decrypt-worker next to this module. */
  entry?: URL;
}

export interface DecryptPool {
  /** Generates a capture key pair in a worker (see generateCaptureKeyPair): openpgp never loads on the caller's thread. */
  generate(algorithm: CaptureKeyAlgorithm, label: string): Promise<CaptureKeyPair>;
  /** Parses the key in a worker; the decryptor sends each blob there. Rejects with the key's `capture key: …` error. */
  load(privateKeyArmored: string): Promise<CaptureDecryptor>;
  /**
   * Refuses new requests, lets those already sent finish (up to `closeGraceMs`), then stops the worker; whatever
   * is still outstanding then rejects. Idempotent: every call resolves once the worker has stopped.
   */
  close(): Promise<void>;
}

// The young generation is where openpgp's per-blob garbage lives; V8's default lets it grow to tens of MB per
// isolate. A small one costs a few more scavenges (cheap: almost everything dies young) and keeps RSS down.
const DEFAULT_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 };
const STARTUP_TIMEOUT_MS = 60_000;

interface Pending {
  resolve(reply: DecryptWorkerReply): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Keys this worker has been sent (pool key numbers). */
  keys: Set<number>;
  /** Whether the worker has finished loading its modules. */
  ready: boolean;
  /** Last time this worker answered, got ready, or took on work while idle; its start time before it is ready. */
  lastProgress: number;
  dead: boolean;
}

export function createDecryptPool(options: DecryptPoolOptions = {}): DecryptPool {
  const stallTimeoutMs = options.stallTimeoutMs ?? 10_000;
  const resourceLimits = options.resourceLimits ?? DEFAULT_LIMITS;
  const closeGraceMs = options.closeGraceMs ?? 5_000;
  const entry = options.entry ?? defaultEntry();

  /** The live worker, if any: started on first use, replaced on the next request after it fails. */
  let current: Slot | undefined;
  /** Armored private keys by pool key number, to hand them to a replacement worker. */
  const armoredKeys = new Map<number, string>();
  let nextKey = 1;
  let nextId = 1;
  let closing: Promise<void> | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  /** Called when the last outstanding request settles, while close() waits for that. */
  let onDrained: (() => void) | undefined;
  const outstanding = () => current?.pending.size ?? 0;

  function fail(slot: Slot, reason: string): void {
    if (slot.dead) return;
    slot.dead = true;
    if (current === slot) current = undefined;
    const error = new DecryptWorkerError(`capture key: decryption worker ${reason}`);
    for (const pending of slot.pending.values()) pending.reject(error);
    slot.pending.clear();
    void slot.worker.terminate().catch(() => {});
    if (onDrained && outstanding() === 0) onDrained();
  }

  function spawn(): Slot {
    const worker = new Worker(entry, { resourceLimits });
    const slot: Slot = { worker, pending: new Map(), keys: new Set(), ready: false, lastProgress: Date.now(), dead: false };
    worker.on('message', (reply: DecryptWorkerReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        slot.lastProgress = Date.now();
        return;
      }
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      slot.lastProgress = Date.now();
      if (slot.pending.size === 0) worker.unref();
      // An error reply is the worker's verdict (e.g. an unusable key), not a failure of the worker.
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply);
      if (onDrained && outstanding() === 0) onDrained();
    });
    // The error itself is not logged: it may come from code that had a blob or key in hand.
    worker.on('error', () => fail(slot, 'failed'));
    worker.on('messageerror', () => fail(slot, 'failed'));
    worker.on('exit', () => fail(slot, 'exited'));
    watchdog ??= setInterval(checkStall, Math.max(10, Math.min(1000, stallTimeoutMs / 4))).unref();
    return slot;
  }

  function checkStall(): void {
    const slot = current;
    if (!slot || slot.pending.size === 0) return;
    const limit = slot.ready ? stallTimeoutMs : Math.max(stallTimeoutMs, STARTUP_TIMEOUT_MS);
    if (Date.now() - slot.lastProgress > limit) fail(slot, slot.ready ? 'stopped answering' : 'did not start');
  }

  /** The live worker, started if there is none. */
  function worker(): Slot {
    if (closing) throw new DecryptWorkerError('capture key: decryption pool closed');
    return (current ??= spawn());
  }

  function send(slot: Slot, request: DecryptWorkerRequest & { id: number }): Promise<DecryptWorkerReply> {
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) {
        if (slot.ready) slot.lastProgress = Date.now();
        slot.worker.ref();
      }
      slot.pending.set(request.id, { resolve, reject });
      try {
        slot.worker.postMessage(request);
      } catch {
        slot.pending.delete(request.id);
        reject(new DecryptWorkerError('capture key: decryption worker unavailable'));
      }
    });
  }

  async function decrypt(key: number, blob: string): Promise<DecryptResult> {
    const slot = worker();
    let reply: DecryptWorkerReply;
    try {
      if (!slot.keys.has(key)) {
        const armored = armoredKeys.get(key);
        if (armored === undefined) throw new DecryptWorkerError('capture key: unknown key');
        // No reply asked for: the worker chains the decrypt below on this load, and reports its failure there.
        slot.worker.postMessage({ op: 'load', key, armored } satisfies DecryptWorkerRequest);
        slot.keys.add(key);
      }
      reply = await send(slot, { op: 'decrypt', id: nextId++, key, blob });
    } catch (error) {
      // decrypt() has no verdict that is an error: whatever went wrong was the worker's doing.
      throw error instanceof DecryptWorkerError ? error : new DecryptWorkerError((error as Error).message);
    }
    if (!('result' in reply)) throw new DecryptWorkerError('capture key: unexpected worker reply');
    return reply.result;
  }

  async function stop(): Promise<void> {
    if (outstanding() > 0) {
      // The watchdog keeps running meanwhile: a hung worker fails its requests instead of holding close() up.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeGraceMs);
        onDrained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      onDrained = undefined;
    }
    if (watchdog) clearInterval(watchdog);
    armoredKeys.clear();
    const slot = current;
    if (!slot) return;
    fail(slot, 'closed');
    await slot.worker.terminate().catch(() => {});
  }

  return {
    async generate(algorithm, label) {
      const reply = await send(worker(), { op: 'generate', id: nextId++, algorithm, label });
      if (!('pair' in reply)) throw new DecryptWorkerError('capture key: unexpected worker reply');
      return reply.pair;
    },

    async load(privateKeyArmored) {
      if (closing) throw new DecryptWorkerError('capture key: decryption pool closed');
      if (typeof privateKeyArmored !== 'string') throw new Error('capture key: not a readable OpenPGP private key');
      const slot = worker();
      const key = nextKey++;
      slot.keys.add(key);
      const reply = await send(slot, { op: 'load', id: nextId++, key, armored: privateKeyArmored });
      if (!('keyFingerprint' in reply)) throw new DecryptWorkerError('capture key: unexpected worker reply');
      armoredKeys.set(key, privateKeyArmored);
      const { keyFingerprint, decryptionKeyIDs } = reply;
      return {
        keyFingerprint,
        decryptionKeyIDs: Object.freeze([...decryptionKeyIDs]),
        decrypt(encryptedCardBase64: string): Promise<DecryptResult> {
          // The checks parseEncryptedCard starts with, here so oversized or non-string input is never copied over.
          if (typeof encryptedCardBase64 !== 'string' || encryptedCardBase64.length > MAX_ENCRYPTED_CARD_CHARS) {
            return Promise.resolve({ ok: false, reason: 'malformed' });
          }
          return decrypt(key, encryptedCardBase64);
        },
      };
    },

    close() {
      return (closing ??= stop());
    },
  };
}

// ---- the worker entry -----------------------------------------------------------------------------------------

/**
 * The worker module beside this one: decrypt-worker.js when built, decrypt-worker.ts when the tests run the sources.
 * Node 20 cannot load .ts by itself; the test runner's processes preload a loader (test/support/ts-loader.mjs,
 * see vitest.config.ts) that worker threads inherit, so nothing here needs to know how TypeScript is loaded.
 */
function defaultEntry(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './decrypt-worker.ts' : './decrypt-worker.js', import.meta.url);
}
