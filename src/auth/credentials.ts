/**
 * Parsing of the credentials every API presents (Basic for merchants, Bearer for account tokens, the admin token
 * and the network's shared secret) and the one constant-time comparison they are checked with.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicCredentials {
  id: string;
  secret: string;
}

/** `Basic base64(id:secret)`, or undefined when the header is missing or malformed. */
export function parseBasic(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** `Bearer <token>`, or undefined when the header is missing or malformed. */
export function parseBearer(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Compares two secrets in constant time. Both sides are hashed first, so timingSafeEqual compares equal-length
 * digests and neither the content nor the length of the expected secret leaks through timing.
 */
export function constantTimeEqual(presented: string | Buffer | undefined, expected: string | Buffer): boolean {
  // Always compare, even when nothing was presented, so both paths cost the same.
  const same = timingSafeEqual(digest(presented ?? ''), digest(expected));
  return presented !== undefined && same;
}

/** Whether a `Bearer` header carries exactly the expected secret. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  return constantTimeEqual(parseBearer(header), expected);
}
