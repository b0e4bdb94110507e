/**
 * Audit records written before the chain existed (owner '' and sequence 0 after migration 0006) are appended to
 * their owner's chain once, at start-up, in their original order, so that `tessera audit verify` covers them too.
 * The owner is read from what the record says: the acting merchant or account, the merchant or account in its
 * detail or its object, the account of the network token it describes; else the system chain.
 */
import { accountOwner, merchantOwner, SYSTEM_OWNER } from '../owners.js';
import type { Executor, Transact } from '../store/transactions.js';
import { GENESIS_HASH, recordHash } from './audit-chain.js';
import { anyChainExists, chainRecord, claimNextPosition, claimUnchained, setHeadHash, type UnchainedRecord, unchainedRecords } from './dal.js';

const BATCH = 500;

function detailId(detail: string | null, field: 'merchant_id' | 'account_id'): string | undefined {
  if (!detail) return undefined;
  try {
    const value: unknown = (JSON.parse(detail) as Record<string, unknown>)[field];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  } catch {
    return undefined;
  }
}

export function legacyOwner(record: UnchainedRecord): string {
  const actor = /^(merchant|account):([^/]+)/.exec(record.actor);
  if (actor?.[1] === 'merchant') return merchantOwner(actor[2]!);
  if (actor?.[1] === 'account') return accountOwner(actor[2]!);
  const merchant = detailId(record.detail, 'merchant_id') ?? (record.object_type === 'merchant' ? record.object_id : undefined);
  if (merchant) return merchantOwner(merchant);
  const account = detailId(record.detail, 'account_id') ?? (record.object_type === 'account' ? record.object_id : undefined);
  if (account) return accountOwner(account);
  if (record.token_account_id !== null) return accountOwner(record.token_account_id);
  return SYSTEM_OWNER;
}

/**
 * Chains every unchained record; how many it chained. Only while no chain exists yet (the first start after the
 * upgrade): afterwards an unchained record can only have been written around the ledger, and `tessera audit verify`
 * reports it as inserted instead of this making it look legitimate. Safe on several instances at once.
 */
export async function chainLegacyAuditRecords(db: Executor, transact: Transact): Promise<number> {
  if (await anyChainExists(db)) return 0;
  let total = 0;
  for (;;) {
    const chained = await transact(async (tx) => {
      const batch = await unchainedRecords(tx, BATCH);
      for (const record of batch) {
        if (!(await claimUnchained(tx, record.id))) continue;
        const owner = legacyOwner(record);
        const position = await claimNextPosition(tx, owner, GENESIS_HASH, record.at);
        const { token_account_id: _account, hash: _hash, ...columns } = record;
        const link = { owner, sequence: position.sequence, prev_hash: position.prevHash };
        const hash = recordHash({ ...columns, ...link });
        await chainRecord(tx, record.id, { ...link, hash });
        await setHeadHash(tx, owner, hash);
      }
      return batch.length;
    });
    total += chained;
    if (chained < BATCH) return total;
  }
}
