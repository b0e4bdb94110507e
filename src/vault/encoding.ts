/**
 * The strict decoders the server applies to a client's `encrypted_card` (capture-keys.ts). The browser client has
 * its own base64 (src/client/base64.ts, web-platform globals only, so it runs in a browser bundle); the vault
 * imports nothing outside itself but node builtins and openpgp, so it decodes with node's Buffer, after the same
 * strict check: Buffer.from(…, 'base64') alone is forgiving (it skips characters outside the alphabet and takes
 * unpadded input), and a blob that is not exactly base64 must be refused as malformed, not half-read.
 */
import { Buffer } from 'node:buffer';

// Whitespace is tolerated because common producers wrap base64 (e.g. Android's Base64.DEFAULT inserts a line
// break every 76 characters). After stripping it, only the standard alphabet with correct padding is accepted.
const WHITESPACE = /[\t\n\f\r ]+/g;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// fatal: a malformed UTF-8 sequence must be reported, not silently turned into U+FFFD.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes standard base64 (RFC 4648 §4); null (never throws) when the input is not exactly that. */
export function decodeBase64Strict(text: string): Uint8Array | null {
  const compact = text.replace(WHITESPACE, '');
  if (!STRICT_BASE64.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** Strict UTF-8 decoding; null (never throws) on an invalid byte sequence. */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
