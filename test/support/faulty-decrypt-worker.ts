/**
 * A decryption worker that misbehaves on cue, for the pool's failure tests: the blob "CRASH" ends the thread,
 * "HANG" spins forever; everything else is the real worker (src/vault/decrypt-worker.ts).
 */
import { parentPort } from 'node:worker_threads';
import '../../src/vault/decrypt-worker.js';
import type { DecryptWorkerRequest } from '../../src/vault/decrypt-pool.js';

// Runs after the real worker's listener, which only answers asynchronously: the misbehaviour comes first.
parentPort!.on('message', (request: DecryptWorkerRequest) => {
  if (request.op !== 'decrypt') return;
  if (request.blob === 'CRASH') process.exit(3);
  if (request.blob === 'HANG') for (;;);
});
