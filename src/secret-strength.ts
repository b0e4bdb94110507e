/**
 * Whether a secret looks generated rather than typed: production refuses secrets that pass the length rules but
 * carry little entropy (`aaaaaaaaaaaaaaaaaaaaaaaa`, `passwordpasswordpassword`, an all-zero master key). These are
 * estimates from the value alone — they cannot prove randomness, only catch the secrets that are plainly not.
 */

/** Shannon entropy of the character distribution, in bits per character. */
export function shannonBitsPerChar(value: string): number {
  const counts = new Map<string, number>();
  const chars = [...value];
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Whether the value is one shorter unit repeated (`abcabcabc…`, `0101…`). */
function isRepetition<T>(items: readonly T[]): boolean {
  for (let unit = 1; unit <= items.length / 2; unit++) {
    if (items.length % unit !== 0) continue;
    if (items.every((item, i) => item === items[i % unit])) return true;
  }
  return false;
}

/**
 * A secret needs this many distinct characters and this much Shannon entropy per character. Random base64 gives
 * ~4.5 bits and hex ~3.7, but short random strings vary: over 200,000 random 24-character hex tokens (the shortest
 * accepted generated secret) the lowest seen were 6 distinct characters and 2.25 bits, so the bounds sit below
 * that, where `aaaa…` (0 bits), `aaaabbbbccccdddd…` (4 distinct) and `aaaa…abcdefghij` (1.5 bits) still fail.
 */
export const MIN_DISTINCT_CHARS = 6;
export const MIN_BITS_PER_CHAR = 2;

/** Why a text secret (admin token, network secret, metrics token) is weak, or undefined when it is not. */
export function weakTextSecret(value: string): string | undefined {
  const chars = [...value];
  if (isRepetition(chars)) return 'is a repeated pattern';
  if (new Set(chars).size < MIN_DISTINCT_CHARS) return `has fewer than ${MIN_DISTINCT_CHARS} distinct characters`;
  if (shannonBitsPerChar(value) < MIN_BITS_PER_CHAR) return 'has too little entropy (too many repeated characters)';
  return undefined;
}

/** 32 random bytes have ~30 distinct values; fewer than 16 is astronomically unlikely for a generated key. */
export const MIN_DISTINCT_KEY_BYTES = 16;

/** Why a binary key (the master key) is weak, or undefined when it is not. */
export function weakKey(key: Buffer): string | undefined {
  const bytes = [...key];
  if (bytes.every((b) => b === 0)) return 'is all zero bytes';
  if (isRepetition(bytes)) return 'is a repeated byte pattern';
  if (new Set(bytes).size < MIN_DISTINCT_KEY_BYTES) return `has fewer than ${MIN_DISTINCT_KEY_BYTES} distinct byte values`;
  return undefined;
}
