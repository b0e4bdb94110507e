/**
 * Capture keys of a merchant: generated here, private halves stored only sealed by the vault, public halves
 * handed out (base64 of the armored key) for clients to encrypt cards to.
 */
import { randomBytes } from 'node:crypto';
import type { SealedData } from '../keys/sealed-data.js';
import type { CaptureDecryptor, CaptureKeyAlgorithm } from '../vault/capture-types.js';
import { createDecryptPool, DecryptQueueFull, type DecryptMetrics } from '../vault/decrypt-pool.js';
import { RateLimited } from '../errors.js';
import { encodePublicKeyForDistribution } from '../client/public-key.js';
import { recordAudit } from '../ledger/ledger.js';
import type { Transact } from '../store/transactions.js';
import type { ChangePublisher } from '../store/change-feed.js';
import type { Clock } from '../clock.js';
import { merchantOwner } from '../owners.js';
import { NotFound } from '../errors.js';
import type { MerchantDal, PublicCaptureKeyRow } from './dal.js';

export interface PublicCaptureKey {
  public_key_alias: string;
  public_key: string;
  algorithm: CaptureKeyAlgorithm;
  created_at: string;
}

export interface CaptureKeyService {
  create(merchantId: string, algorithm: CaptureKeyAlgorithm): Promise<PublicCaptureKey>;
  list(merchantId: string): Promise<PublicCaptureKey[]>;
  /** One of this merchant's keys; NotFound('capture_key') when the alias is not theirs. */
  get(merchantId: string, alias: string): Promise<PublicCaptureKey>;
  /**
   * Destroys one of this merchant's keys (its sealed private half is deleted, audited): blobs encrypted to it no
   * longer open. Cards already tokenized are not affected. NotFound('capture_key') when the alias is not theirs.
   */
  revoke(merchantId: string, alias: string): Promise<void>;
  /**
   * The decryptor for one of this merchant's keys, or undefined when the alias is not theirs. Cached. Its
   * decrypt() runs in a worker thread, queued fairly with other merchants' (decrypt-pool.ts); it rejects with
   * RateLimited when this merchant already has its share of decryptions waiting, and otherwise (a server error,
   * not a verdict on the blob) only if that worker fails.
   */
  decryptor(merchantId: string, alias: string): Promise<CaptureDecryptor | undefined>;
  /**
   * Drops the cached decryptor of a key revoked on another instance (`captureKeySubject`), or every cached one when
   * the subject is unknown (a missed change).
   */
  forget(subject?: string): void;
  /** Stops the decryption worker. */
  close(): Promise<void>;
}

/** How a capture key is named in the change feed (store/change-feed.ts) and in this service's cache. */
export const captureKeySubject = (merchantId: string, alias: string) => `${merchantId}/${alias}`;

export interface CaptureKeyDeps {
  dal: Pick<MerchantDal, 'insertCaptureKey' | 'listCaptureKeys' | 'findSealedCaptureKey' | 'findCaptureKey' | 'deleteCaptureKey'>;
  transact: Transact;
  sealed: SealedData;
  clock: Clock;
  /** Sizes of the decryption pool (TESSERA_DECRYPT_WORKERS, TESSERA_DECRYPT_QUEUE_PER_MERCHANT); defaults otherwise. */
  decryption?: { workers?: number; queuePerMerchant?: number };
  metrics?: DecryptMetrics;
  /** Tells the other instances of a revocation, in its transaction (store/change-feed.ts). */
  changes?: Pick<ChangePublisher, 'publish'>;
}

/** The pool's refusal of a merchant over its share, as the domain's RateLimited (429 with Retry-After at the edges). */
function limitedAsRateLimited(decryptor: CaptureDecryptor): CaptureDecryptor {
  return {
    keyFingerprint: decryptor.keyFingerprint,
    decryptionKeyIDs: decryptor.decryptionKeyIDs,
    decrypt: (blob) =>
      decryptor.decrypt(blob).catch((error: unknown) => {
        throw error instanceof DecryptQueueFull ? new RateLimited(error.retryAfterSeconds, 'decrypt_queue') : error;
      }),
  };
}

export function createCaptureKeyService(deps: CaptureKeyDeps): CaptureKeyService {
  const { dal, transact, sealed, clock, changes } = deps;
  // Decryption (~1 ms of CPU per curve25519 blob, ~100 ms per RSA one) and key generation run off the request
  // thread, which therefore never loads openpgp (~17 MB of RSS). The worker is started on first use.
  // Each merchant's decryptions wait in a queue of their own, served round-robin: one merchant's flood of slow
  // RSA blobs costs the others one turn, and past its share the flooder gets 429 (decrypt-pool.ts).
  const pool = createDecryptPool({
    ...(deps.decryption?.workers !== undefined ? { workers: deps.decryption.workers } : {}),
    ...(deps.decryption?.queuePerMerchant !== undefined ? { queuePerOwner: deps.decryption.queuePerMerchant } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
  // Parsing an OpenPGP private key verifies its self-signatures: far too slow to repeat per request.
  const decryptors = new Map<string, Promise<CaptureDecryptor>>();
  const objectId = (alias: string) => `capture-key:${alias}`;

  const toPublic = (row: PublicCaptureKeyRow): PublicCaptureKey => ({
    public_key_alias: row.alias,
    public_key: encodePublicKeyForDistribution(row.public_key),
    algorithm: row.algorithm as CaptureKeyAlgorithm,
    created_at: row.created_at,
  });

  return {
    async create(merchantId, algorithm) {
      const alias = `pk_${randomBytes(10).toString('hex')}`;
      const pair = await pool.generate(algorithm, alias, merchantId);
      const owner = merchantOwner(merchantId);
      const { sealed: privateSealed, keyVersion } = await sealed.seal(owner, objectId(alias), pair.privateKeyArmored);
      const at = clock();
      const row = {
        alias,
        merchant_id: merchantId,
        algorithm,
        public_key: pair.publicKeyArmored,
        private_key_sealed: privateSealed,
        key_version: keyVersion,
        created_at: at.toISOString(),
      };
      await transact(async (tx) => {
        await dal.insertCaptureKey(tx, row);
        await recordAudit(
          tx,
          {
            owner: merchantOwner(merchantId),
            actor: 'admin',
            action: 'capture_key.created',
            objectType: 'capture_key',
            objectId: alias,
            detail: { merchant_id: merchantId, algorithm, key_fingerprint: pair.keyFingerprint },
          },
          at,
        );
      });
      return toPublic(row);
    },

    async list(merchantId) {
      return (await dal.listCaptureKeys(merchantId)).map(toPublic);
    },

    async get(merchantId, alias) {
      const row = await dal.findCaptureKey(merchantId, alias);
      if (!row) throw new NotFound('capture_key');
      return toPublic(row);
    },

    async revoke(merchantId, alias) {
      await transact(async (tx) => {
        if (!(await dal.deleteCaptureKey(tx, merchantId, alias))) throw new NotFound('capture_key');
        await recordAudit(
          tx,
          {
            owner: merchantOwner(merchantId),
            actor: 'admin',
            action: 'capture_key.revoked',
            objectType: 'capture_key',
            objectId: alias,
            detail: { merchant_id: merchantId },
          },
          clock(),
        );
        await changes?.publish(tx, 'capture_key', captureKeySubject(merchantId, alias));
      });
      // This instance stops decrypting with it at once; the others within 2 s (the change feed).
      decryptors.delete(captureKeySubject(merchantId, alias));
    },

    forget(subject) {
      if (subject === undefined) decryptors.clear();
      else decryptors.delete(subject);
    },

    async decryptor(merchantId, alias) {
      const cacheKey = captureKeySubject(merchantId, alias);
      const cached = decryptors.get(cacheKey);
      if (cached) return cached;
      const row = await dal.findSealedCaptureKey(merchantId, alias);
      if (!row) return undefined;
      const loading = sealed
        .open<string>(merchantOwner(merchantId), objectId(alias), { sealed: row.private_key_sealed, keyVersion: row.key_version })
        .then((armored) => pool.load(armored, merchantId))
        .then(limitedAsRateLimited);
      decryptors.set(cacheKey, loading);
      loading.catch(() => decryptors.delete(cacheKey));
      return loading;
    },

    async close() {
      decryptors.clear();
      await pool.close();
    },
  };
}
