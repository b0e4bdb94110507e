/**
 * Entry point of a capture-key decryption worker thread (see decrypt-pool.ts): holds parsed private keys and
 * answers decrypt requests with the same DecryptResult the in-process decryptor gives. Nothing here logs: key
 * material and card data arrive in messages, and error replies carry only the fixed `capture key: …` texts.
 */
import { parentPort } from 'node:worker_threads';
import { generateCaptureKeyPair, loadCaptureDecryptor, type CaptureDecryptor } from './capture-keys.js';
import type { DecryptWorkerReply, DecryptWorkerRequest } from './decrypt-pool.js';

const port = parentPort;
if (!port) throw new Error('decrypt-worker: must run as a worker thread');

const keys = new Map<number, Promise<CaptureDecryptor>>();

/** Only our own, key-free error texts cross the thread boundary. */
function safeMessage(error: unknown): string {
  return error instanceof Error && error.message.startsWith('capture key: ') && error.message.length < 200
    ? error.message
    : 'capture key: decryption worker error';
}

const reply = (message: DecryptWorkerReply) => port.postMessage(message);

port.on('message', (request: DecryptWorkerRequest) => {
  if (request.op === 'generate') {
    const { id } = request;
    generateCaptureKeyPair(request.algorithm, request.label).then(
      (pair) => reply({ id, pair }),
      () => reply({ id, error: 'capture key: key generation failed' }),
    );
    return;
  }
  if (request.op === 'load') {
    const loading = loadCaptureDecryptor(request.armored);
    keys.set(request.key, loading);
    const id = request.id;
    loading.then(
      (decryptor) => {
        if (id !== undefined) reply({ id, keyFingerprint: decryptor.keyFingerprint, decryptionKeyIDs: [...decryptor.decryptionKeyIDs] });
      },
      (error: unknown) => {
        if (id !== undefined) reply({ id, error: safeMessage(error) });
      },
    );
    return;
  }
  const { id, key, blob } = request;
  const loading = keys.get(key);
  if (!loading) {
    reply({ id, error: 'capture key: not loaded in the decryption worker' });
    return;
  }
  loading
    .then((decryptor) => decryptor.decrypt(blob))
    .then(
      (result) => reply({ id, result }),
      (error: unknown) => reply({ id, error: safeMessage(error) }),
    );
});

reply({ ready: true });
