/**
 * Capture-blob decryption off the request thread, fair between merchants: a pool of worker threads
 * (decrypt-worker.ts), each replaced if it fails, holding the parsed private keys it has been sent and answering
 * decrypt requests with the same DecryptResult as the in-process decryptor (capture-keys.ts). Capture keys are
 * generated there too, so the request thread never loads openpgp at all (~17 MB of RSS saved per process, measured).
 *
 * Why workers: an OpenPGP decrypt costs ~1 ms of CPU for curve25519 (openpgp's WebCrypto plumbing, parsing,
 * streams) and ~100 ms for rsa3072; on the HTTP thread that caps PUT throughput and stalls every other request.
 * How many: by default one per core beyond the request thread's (at least one): on 2 cores a second worker would
 * compete with the request thread and add memory (each worker isolate with openpgp loaded costs ~20-25 MB of RSS,
 * measured). Workers start on demand, so an idle process pays for none.
 *
 * Fairness: every job belongs to an owner (the merchant). Each owner has its own FIFO queue, and the queues are
 * served round-robin, one job per turn, whenever a worker has room. A worker holds jobs of one owner at a time,
 * `inFlightPerWorker` at most, so it never holds a long backlog of one owner's slow RSA decrypts, and another
 * owner's job never runs interleaved with them. One owner's flood therefore delays another owner's job by what a
 * worker holds and one turn of the ring, not by the length of the flood. An owner may have at most
 * `queuePerOwner` decryptions queued or running; beyond that decrypt() rejects at once with DecryptQueueFull
 * (the caller answers 429 with Retry-After) instead of growing everyone's latency.
 *
 * Keys: the armored private key is sent to a worker once (per worker lifetime) and parsed there; the pool keeps
 * the armored text so another or a replacement worker can be given the key. Nothing here logs or echoes key
 * material.
 *
 * Failure: a worker that exits (crash, out of memory) or that has work outstanding and answers nothing for
 * `stallTimeoutMs` is stopped; its outstanding requests reject with DecryptWorkerError (the caller answers 500),
 * and queued work goes to a fresh worker. No request waits forever.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
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

/** The owner already has its share of decryptions queued or running: refused at once, to be retried later. */
export class DecryptQueueFull extends Error {
  override readonly name = 'DecryptQueueFull';
  constructor(
    /** Whole seconds after which a retry has a fair chance (the `Retry-After` the caller answers). */
    readonly retryAfterSeconds: number,
  ) {
    super('capture key: too many decryptions queued for this owner');
  }
}

/** What the pool reports about itself (src/metrics.ts `Metrics` fits: the vault may not import it). */
export interface DecryptMetrics {
  /** Decryptions queued and not yet handed to a worker, all owners together. */
  decryptQueueDepth(depth: number): void;
  /** One decryption from being queued to its answer: `ok` when a worker answered, `error` when it failed. */
  decryptDuration(seconds: number, outcome: 'ok' | 'error'): void;
}

export interface DecryptPoolOptions {
  /** Worker threads. Default: one per core beyond the first, at least one. */
  workers?: number;
  /** Decryptions one owner may have queued or running. Default 64. */
  queuePerOwner?: number;
  /** Jobs of one owner handed to one worker at a time (the rest wait in the owners' queues). Default 2. */
  inFlightPerWorker?: number;
  /**
   * A started worker with requests outstanding that answers none for this long is presumed hung and stopped.
   * Default 10 s. Starting up (loading openpgp) may take up to max(this, 60 s).
   */
  stallTimeoutMs?: number;
  /** V8 heap limits per worker (caps what a worker can cost; exceeding them ends the worker, not the process). */
  resourceLimits?: ResourceLimits;
  /** How long close() lets queued and running requests finish before stopping the workers. Default 5 s. */
  closeGraceMs?: number;
  /** Worker entry module (tests substitute a faulty one). Default: decrypt-worker next to this module. */
  entry?: URL;
  metrics?: DecryptMetrics;
}

export interface DecryptPool {
  /** Generates a capture key pair in a worker (see generateCaptureKeyPair): openpgp never loads on the caller's thread. */
  generate(algorithm: CaptureKeyAlgorithm, label: string, owner?: string): Promise<CaptureKeyPair>;
  /**
   * Parses the key in a worker; the decryptor sends each blob there, queued under `owner` (default: one shared
   * owner). Rejects with the key's `capture key: …` error.
   */
  load(privateKeyArmored: string, owner?: string): Promise<CaptureDecryptor>;
  /**
   * Refuses new requests, lets those already queued or sent finish (up to `closeGraceMs`), then stops the
   * workers; whatever is still outstanding then rejects. Idempotent: every call resolves once the workers stopped.
   */
  close(): Promise<void>;
}

// The young generation is where openpgp's per-blob garbage lives; V8's default lets it grow to tens of MB per
// isolate. A small one costs a few more scavenges (cheap: almost everything dies young) and keeps RSS down.
const DEFAULT_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 };
const STARTUP_TIMEOUT_MS = 60_000;
const SHARED_OWNER = '';

/** One unit of work, waiting in its owner's queue until a worker has room. */
interface Job {
  owner: string;
  /** Counts towards the owner's share (decryptions do; key loads and generation, admin work, do not). */
  counted: boolean;
  queuedAt: number;
  /** Builds the request for the worker it is given to (and sends what that worker lacks first, e.g. the key). */
  start(slot: Slot, id: number): DecryptWorkerRequest & { id: number };
  resolve(reply: DecryptWorkerReply): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Job>;
  /** Keys this worker has been sent (pool key numbers). */
  keys: Set<number>;
  /** The owner of the jobs it holds (meaningful only while `pending` is not empty). */
  owner: string | undefined;
  /** Whether the worker has finished loading its modules. */
  ready: boolean;
  /** Last time this worker answered, got ready, or took on work while idle; its start time before it is ready. */
  lastProgress: number;
  dead: boolean;
}

export function defaultDecryptWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

export function createDecryptPool(options: DecryptPoolOptions = {}): DecryptPool {
  const workerCount = Math.max(1, options.workers ?? defaultDecryptWorkers());
  const queuePerOwner = Math.max(1, options.queuePerOwner ?? 64);
  const inFlightPerWorker = Math.max(1, options.inFlightPerWorker ?? 2);
  const stallTimeoutMs = options.stallTimeoutMs ?? 10_000;
  const resourceLimits = options.resourceLimits ?? DEFAULT_LIMITS;
  const closeGraceMs = options.closeGraceMs ?? 5_000;
  const entry = options.entry ?? defaultEntry();
  const metrics = options.metrics;

  /** The workers, started on demand; an empty place is refilled when work needs it. */
  const slots: Array<Slot | undefined> = new Array<Slot | undefined>(workerCount).fill(undefined);
  /**
   * Queued jobs by owner. A Map keeps insertion order: the owner served is the first one, and an owner with
   * jobs left is moved to the end, which is the round-robin.
   */
  const queues = new Map<string, Job[]>();
  let queued = 0;
  /** Counted jobs per owner, queued or running. */
  const shares = new Map<string, number>();
  /** Armored private keys by pool key number, to hand them to other and replacement workers. */
  const armoredKeys = new Map<number, string>();
  let nextKey = 1;
  let nextId = 1;
  let closing: Promise<void> | undefined;
  /** Set once close() has given up waiting: nothing is started any more. */
  let stopped = false;
  let watchdog: NodeJS.Timeout | undefined;
  /** Called whenever a job settles, while close() waits for the pool to drain. */
  let onSettled: (() => void) | undefined;

  const running = () => slots.reduce((sum, slot) => sum + (slot?.pending.size ?? 0), 0);

  function release(job: Job): void {
    if (!job.counted) return;
    const left = (shares.get(job.owner) ?? 1) - 1;
    if (left > 0) shares.set(job.owner, left);
    else shares.delete(job.owner);
  }

  function settle(job: Job, outcome: { reply: DecryptWorkerReply } | { error: Error }): void {
    release(job);
    if (job.counted) metrics?.decryptDuration((performance.now() - job.queuedAt) / 1000, 'reply' in outcome ? 'ok' : 'error');
    if ('reply' in outcome) job.resolve(outcome.reply);
    else job.reject(outcome.error);
    onSettled?.();
  }

  function fail(slot: Slot, reason: string): void {
    if (slot.dead) return;
    slot.dead = true;
    const index = slots.indexOf(slot);
    if (index !== -1) slots[index] = undefined;
    const error = new DecryptWorkerError(`capture key: decryption worker ${reason}`);
    const jobs = [...slot.pending.values()];
    slot.pending.clear();
    for (const job of jobs) settle(job, { error });
    void slot.worker.terminate().catch(() => {});
    // Queued work (other owners' included) goes to a replacement.
    dispatch();
  }

  function spawn(index: number): Slot {
    const worker = new Worker(entry, { resourceLimits });
    const slot: Slot = { worker, pending: new Map(), keys: new Set(), owner: undefined, ready: false, lastProgress: Date.now(), dead: false };
    slots[index] = slot;
    worker.on('message', (reply: DecryptWorkerReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        slot.lastProgress = Date.now();
        return;
      }
      const job = slot.pending.get(reply.id);
      if (!job) return;
      slot.pending.delete(reply.id);
      slot.lastProgress = Date.now();
      if (slot.pending.size === 0) worker.unref();
      // An error reply is the worker's verdict (e.g. an unusable key), not a failure of the worker.
      settle(job, { reply });
      dispatch();
    });
    // The error itself is not logged: it may come from code that had a blob or key in hand.
    worker.on('error', () => fail(slot, 'failed'));
    worker.on('messageerror', () => fail(slot, 'failed'));
    worker.on('exit', () => fail(slot, 'exited'));
    watchdog ??= setInterval(checkStall, Math.max(10, Math.min(1000, stallTimeoutMs / 4))).unref();
    return slot;
  }

  function checkStall(): void {
    for (const slot of slots) {
      if (!slot || slot.pending.size === 0) continue;
      const limit = slot.ready ? stallTimeoutMs : Math.max(stallTimeoutMs, STARTUP_TIMEOUT_MS);
      if (Date.now() - slot.lastProgress > limit) fail(slot, slot.ready ? 'stopped answering' : 'did not start');
    }
  }

  /**
   * Where `owner`'s next job may run: an idle worker, else a new one if there is room for it, else a worker
   * already busy with this owner's jobs and below `inFlightPerWorker`. Jobs of different owners never share a
   * worker: inside one, a fast curve25519 decrypt would wait for the slow RSA decrypts beside it at each of its
   * asynchronous steps. Pipelining one owner's jobs keeps a busy merchant's throughput up.
   */
  function placeFor(owner: string): Slot | undefined {
    let serving: Slot | undefined;
    let empty = -1;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (!slot) {
        if (empty === -1) empty = i;
        continue;
      }
      if (slot.pending.size === 0) return slot;
      if (slot.owner === owner && slot.pending.size < inFlightPerWorker && (!serving || slot.pending.size < serving.pending.size)) serving = slot;
    }
    if (empty !== -1) return spawn(empty);
    return serving;
  }

  /**
   * Hands queued jobs to workers, one owner per turn. When the owner whose turn it is cannot be placed, nobody
   * else is either: it gets the next worker that frees up, so no owner's turn is skipped for long.
   */
  function dispatch(): void {
    while (queued > 0 && !stopped) {
      const [owner, queue] = queues.entries().next().value as [string, Job[]];
      const slot = placeFor(owner);
      if (!slot) break;
      const job = queue.shift()!;
      queued--;
      queues.delete(owner);
      if (queue.length > 0) queues.set(owner, queue);
      start(slot, job);
    }
    metrics?.decryptQueueDepth(queued);
  }

  function start(slot: Slot, job: Job): void {
    const id = nextId++;
    if (slot.pending.size === 0) {
      if (slot.ready) slot.lastProgress = Date.now();
      slot.worker.ref();
    }
    slot.pending.set(id, job);
    slot.owner = job.owner;
    try {
      slot.worker.postMessage(job.start(slot, id));
    } catch (error) {
      slot.pending.delete(id);
      if (slot.pending.size === 0) slot.worker.unref();
      settle(job, { error: error instanceof DecryptWorkerError ? error : new DecryptWorkerError('capture key: decryption worker unavailable') });
    }
  }

  function enqueue(owner: string, counted: boolean, startJob: Job['start']): Promise<DecryptWorkerReply> {
    if (closing) return Promise.reject(new DecryptWorkerError('capture key: decryption pool closed'));
    if (counted) {
      const share = shares.get(owner) ?? 0;
      if (share >= queuePerOwner) return Promise.reject(new DecryptQueueFull(1));
      shares.set(owner, share + 1);
    }
    return new Promise((resolve, reject) => {
      const job: Job = { owner, counted, queuedAt: performance.now(), start: startJob, resolve, reject };
      const queue = queues.get(owner);
      if (queue) queue.push(job);
      else queues.set(owner, [job]);
      queued++;
      dispatch();
    });
  }

  async function decrypt(owner: string, key: number, blob: string): Promise<DecryptResult> {
    let reply: DecryptWorkerReply;
    try {
      reply = await enqueue(owner, true, (slot, id) => {
        if (!slot.keys.has(key)) {
          const armored = armoredKeys.get(key);
          if (armored === undefined) throw new DecryptWorkerError('capture key: unknown key');
          // No reply asked for: the worker chains the decrypt below on this load, and reports its failure there.
          slot.worker.postMessage({ op: 'load', key, armored } satisfies DecryptWorkerRequest);
          slot.keys.add(key);
        }
        return { op: 'decrypt', id, key, blob };
      });
    } catch (error) {
      if (error instanceof DecryptQueueFull || error instanceof DecryptWorkerError) throw error;
      throw new DecryptWorkerError((error as Error).message);
    }
    // decrypt() has no verdict that is an error: whatever went wrong was the worker's doing.
    if ('error' in reply) throw new DecryptWorkerError(reply.error);
    if (!('result' in reply)) throw new DecryptWorkerError('capture key: unexpected worker reply');
    return reply.result;
  }

  async function stop(): Promise<void> {
    if (queued + running() > 0) {
      // The watchdog keeps running meanwhile: a hung worker fails its requests instead of holding close() up.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeGraceMs);
        onSettled = () => {
          if (queued + running() > 0) return;
          clearTimeout(timer);
          resolve();
        };
      });
      onSettled = undefined;
    }
    stopped = true;
    if (watchdog) clearInterval(watchdog);
    armoredKeys.clear();
    const error = new DecryptWorkerError('capture key: decryption pool closed');
    for (const queue of queues.values()) for (const job of queue) settle(job, { error });
    queues.clear();
    queued = 0;
    metrics?.decryptQueueDepth(0);
    const live = slots.filter((slot): slot is Slot => slot !== undefined);
    for (const slot of live) fail(slot, 'closed');
    await Promise.all(live.map((slot) => slot.worker.terminate().catch(() => {})));
  }

  return {
    async generate(algorithm, label, owner = SHARED_OWNER) {
      const reply = await enqueue(owner, false, (_slot, id) => ({ op: 'generate', id, algorithm, label }));
      if ('error' in reply) throw new Error(reply.error);
      if (!('pair' in reply)) throw new DecryptWorkerError('capture key: unexpected worker reply');
      return reply.pair;
    },

    async load(privateKeyArmored, owner = SHARED_OWNER) {
      if (closing) throw new DecryptWorkerError('capture key: decryption pool closed');
      if (typeof privateKeyArmored !== 'string') throw new Error('capture key: not a readable OpenPGP private key');
      const key = nextKey++;
      const reply = await enqueue(owner, false, (slot, id) => {
        slot.keys.add(key);
        return { op: 'load', id, key, armored: privateKeyArmored };
      });
      if ('error' in reply) throw new Error(reply.error);
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
          return decrypt(owner, key, encryptedCardBase64);
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
