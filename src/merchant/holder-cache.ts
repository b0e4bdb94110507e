/**
 * Remembers what opening a token's sealed card gave for the fields a read shows (holder name and email), so
 * that reading the same token again does not pay an AES-GCM decryption each time.
 *
 * It is a memo of `open(owner, token id, sealed value, key version)`, not a copy of the row: an entry is used
 * only while the row still holds the very same sealed value under the same key version for the same merchant,
 * so any change to the card (a PATCH, an upsert, a delete, a write by another process) misses and re-opens;
 * this process's own writes also drop the entry at once.
 * Only values that did authenticate are remembered. The PAN is never kept here: entries are built field by field
 * from the holder fields alone. Bounded, least recently used first out.
 */

export interface HolderFields {
  readonly cardholderName?: string;
  readonly cardHolderEmail?: string;
}

interface Entry {
  merchantId: string;
  sealed: string;
  keyVersion: number;
  fields: HolderFields;
}

export interface HolderCache {
  get(tokenId: string, merchantId: string, sealed: string, keyVersion: number): HolderFields | undefined;
  set(tokenId: string, merchantId: string, sealed: string, keyVersion: number, opened: HolderFields): HolderFields;
  /** Drops a token's entry when its card is replaced or destroyed, so the old details do not linger here. */
  forget(tokenId: string): void;
}

/** ~0.5 kB an entry (id, sealed value, two short strings): a few MB at most. */
export const HOLDER_CACHE_SIZE = 10_000;

export function createHolderCache(maxEntries = HOLDER_CACHE_SIZE): HolderCache {
  const entries = new Map<string, Entry>();
  return {
    get(tokenId, merchantId, sealed, keyVersion) {
      const entry = entries.get(tokenId);
      if (entry === undefined || entry.sealed !== sealed || entry.keyVersion !== keyVersion || entry.merchantId !== merchantId) return undefined;
      // Map order is insertion order: re-inserting marks the entry most recently used.
      entries.delete(tokenId);
      entries.set(tokenId, entry);
      return entry.fields;
    },
    set(tokenId, merchantId, sealed, keyVersion, opened) {
      const fields: { cardholderName?: string; cardHolderEmail?: string } = {};
      if (opened.cardholderName !== undefined) fields.cardholderName = opened.cardholderName;
      if (opened.cardHolderEmail !== undefined) fields.cardHolderEmail = opened.cardHolderEmail;
      Object.freeze(fields);
      entries.delete(tokenId);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(tokenId, { merchantId, sealed, keyVersion, fields });
      return fields;
    },
    forget(tokenId) {
      entries.delete(tokenId);
    },
  };
}
