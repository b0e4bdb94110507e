/**
 * Bootstrap of merchants: the merchant itself, its API keys (secrets stored only as a slow hash), token scopes.
 * Every change is committed in one transaction with its audit record.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { InvalidInput, NotFound } from '../errors.js';
import { createLedger } from '../ledger/ledger.js';
import { merchantOwner } from '../owners.js';
import type { Transact, Tx } from '../store/transactions.js';
import type { ChangePublisher } from '../store/change-feed.js';
import { generateSecret, hashSecret } from '../vault/secrets.js';
import type { AdminDal } from './dal.js';
import { type Page, type PageRequest, pageOf } from '../pages.js';

export interface ApiKeyCredentials {
  id: string;
  secret: string;
}

/**
 * Inputs and results keep the names of Tessera's own admin API (it is no vendor's format), so the admin edge
 * and the CLI pass them through unchanged.
 */
export interface NewMerchant {
  merchant_id: string;
  api_key: ApiKeyCredentials;
}

export interface TokenScopeInput {
  name: string;
  network_tokens?: boolean;
  par?: boolean;
  token_ttl_days?: number;
}

export interface MerchantView {
  merchant_id: string;
  name: string;
  created_at: string;
}

/** An API key as listed: never its secret nor its hash. */
export interface ApiKeyView {
  id: string;
  created_at: string;
  revoked_at: string | null;
}

export interface TokenScopeView {
  token_scope: string;
  name: string;
  network_tokens: boolean;
  par: boolean;
  token_ttl_days: number | null;
  created_at: string;
}

export interface MerchantAdminDeps {
  dal: AdminDal;
  transact: Transact;
  clock: Clock;
  /** Tells every instance of a revocation, so none keeps accepting the key from its cache. */
  changes: ChangePublisher;
}

export interface MerchantAdmin {
  /** Throws NotFound('merchant') unless the merchant exists. */
  assertMerchant(merchantId: string): Promise<void>;
  createMerchant(name: string): Promise<NewMerchant>;
  createApiKey(merchantId: string): Promise<ApiKeyCredentials>;
  revokeApiKey(merchantId: string, keyId: string): Promise<void>;
  createTokenScope(merchantId: string, input: TokenScopeInput): Promise<{ token_scope: string }>;
  getMerchant(merchantId: string): Promise<MerchantView>;
  listMerchants(page: PageRequest): Promise<Page<MerchantView>>;
  listApiKeys(merchantId: string, page: PageRequest): Promise<Page<ApiKeyView>>;
  listTokenScopes(merchantId: string, page: PageRequest): Promise<Page<TokenScopeView>>;
}

const merchantView = (row: { id: string; name: string; created_at: string }): MerchantView => ({
  merchant_id: row.id,
  name: row.name,
  created_at: row.created_at,
});

const NAME_RULE = 'must be 1 to 200 characters';

/** A name of 1 to 200 characters once trimmed, or InvalidInput on `name`. */
function validName(raw: string): string {
  const name = raw.trim();
  if (!name || name.length > 200) throw new InvalidInput({ field: 'name', reason: 'invalid', message: NAME_RULE });
  return name;
}

export function createMerchantAdmin({ dal, transact, clock, changes }: MerchantAdminDeps): MerchantAdmin {
  const ledger = createLedger(clock);

  async function assertMerchant(merchantId: string): Promise<void> {
    if (!(await dal.merchantExists(merchantId))) throw new NotFound('merchant');
  }

  /** The slow hash is computed before any transaction opens, so no lock is held while it runs. */
  async function newApiKey(): Promise<{ id: string; secret: string; hash: string }> {
    const secret = generateSecret();
    return { id: `ak_${randomBytes(12).toString('hex')}`, secret, hash: await hashSecret(secret) };
  }

  async function storeApiKey(tx: Tx, merchantId: string, key: { id: string; secret: string; hash: string }): Promise<ApiKeyCredentials> {
    const { id, secret } = key;
    await dal.insertApiKey(tx, { id, merchant_id: merchantId, secret_hash: key.hash, created_at: clock().toISOString(), revoked_at: null });
    await ledger.audit(tx, {
      owner: merchantOwner(merchantId),
      actor: 'admin',
      action: 'api_key.created',
      objectType: 'api_key',
      objectId: id,
      detail: { merchant_id: merchantId },
    });
    return { id, secret };
  }

  return {
    assertMerchant,

    async createMerchant(rawName) {
      const name = validName(rawName);
      const merchantId = randomUUID();
      const key = await newApiKey();
      return transact(async (tx) => {
        await dal.insertMerchant(tx, { id: merchantId, name, created_at: clock().toISOString() });
        await ledger.audit(tx, { owner: merchantOwner(merchantId), actor: 'admin', action: 'merchant.created', objectType: 'merchant', objectId: merchantId });
        return { merchant_id: merchantId, api_key: await storeApiKey(tx, merchantId, key) };
      });
    },

    async createApiKey(merchantId) {
      await assertMerchant(merchantId);
      const key = await newApiKey();
      return transact((tx) => storeApiKey(tx, merchantId, key));
    },

    async revokeApiKey(merchantId, keyId) {
      // The revocation, its audit record and the notice to other instances commit together.
      await transact(async (tx) => {
        if (!(await dal.revokeApiKey(tx, merchantId, keyId, clock().toISOString()))) throw new NotFound('api_key');
        await changes.publish(tx, 'api_key', keyId);
        await ledger.audit(tx, {
          owner: merchantOwner(merchantId),
          actor: 'admin',
          action: 'api_key.revoked',
          objectType: 'api_key',
          objectId: keyId,
          detail: { merchant_id: merchantId },
        });
      });
    },

    async createTokenScope(merchantId, input) {
      await assertMerchant(merchantId);
      const name = validName(input.name);
      const id = randomUUID();
      await transact(async (tx) => {
        await dal.insertTokenScope(tx, {
          id,
          merchant_id: merchantId,
          name,
          network_tokens: input.network_tokens ? 1 : 0,
          par: input.par ? 1 : 0,
          token_ttl_days: input.token_ttl_days ?? null,
          created_at: clock().toISOString(),
        });
        await ledger.audit(tx, {
          owner: merchantOwner(merchantId),
          actor: 'admin',
          action: 'token_scope.created',
          objectType: 'token_scope',
          objectId: id,
          detail: { merchant_id: merchantId },
        });
      });
      return { token_scope: id };
    },

    async getMerchant(merchantId) {
      const row = await dal.findMerchant(merchantId);
      if (!row) throw new NotFound('merchant');
      return merchantView(row);
    },

    async listMerchants({ limit, after }) {
      return pageOf(await dal.listMerchants(limit + 1, after), limit, (row) => row.id, merchantView);
    },

    async listApiKeys(merchantId, { limit, after }) {
      await assertMerchant(merchantId);
      return pageOf(
        await dal.listApiKeys(merchantId, limit + 1, after),
        limit,
        (row) => row.id,
        (row) => ({ ...row }),
      );
    },

    async listTokenScopes(merchantId, { limit, after }) {
      await assertMerchant(merchantId);
      return pageOf(
        await dal.listTokenScopes(merchantId, limit + 1, after),
        limit,
        (row) => row.id,
        (row) => ({
          token_scope: row.id,
          name: row.name,
          network_tokens: row.network_tokens === 1,
          par: row.par === 1,
          token_ttl_days: row.token_ttl_days,
          created_at: row.created_at,
        }),
      );
    },
  };
}
