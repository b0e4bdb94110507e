/**
 * Base64 (RFC 4648 §4, standard alphabet) and UTF-8 helpers of the browser/Node client. The server decodes with its
 * own (src/vault/encoding.ts, node's Buffer): the vault imports nothing from outside itself.
 *
 * Only web-platform globals (btoa/atob, TextEncoder/TextDecoder) are used so this file runs unchanged in a
 * browser bundle; Node 20 provides the same globals. No `Buffer`, no `node:` imports.
 */

const encoder = new TextEncoder();
// fatal: a malformed UTF-8 sequence must be reported, not silently turned into U+FFFD.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Whitespace is tolerated because common producers wrap base64 (e.g. Android's Base64.DEFAULT inserts a line
// break every 76 characters). After stripping it, only the standard alphabet with correct padding is accepted:
// atob() alone is "forgiving" and would also take unpadded input.
const WHITESPACE = /[\t\n\f\r ]+/g;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// btoa/atob work on "binary strings" (one char per byte); build them in chunks so large inputs neither hit the
// argument-count limit of String.fromCharCode nor degrade into quadratic string concatenation.
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes standard base64; returns null (never throws) when the input is not valid base64. */
export function base64ToBytes(b64: string): Uint8Array | null {
  const compact = b64.replace(WHITESPACE, '');
  if (!STRICT_BASE64.test(compact)) return null;
  const binary = atob(compact);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Strict UTF-8 decoding; returns null (never throws) on an invalid byte sequence. */
export function utf8Decode(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** base64 of the UTF-8 encoding of `text` (correct for any Unicode text, not only ASCII). */
export function textToBase64(text: string): string {
  return bytesToBase64(utf8Encode(text));
}

/** Inverse of textToBase64; null when the input is not base64 or does not decode to valid UTF-8. */
export function base64ToText(b64: string): string | null {
  const bytes = base64ToBytes(b64);
  return bytes === null ? null : utf8Decode(bytes);
}
