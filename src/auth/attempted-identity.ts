/**
 * Who a failed authentication claimed to be, for the audit trail: the API key id of a Basic header, the subject and
 * key id of a bearer JWT (read without verifying it: it failed). Never the secret, never the token itself; only
 * values that look like identifiers are kept (anything else becomes `malformed`), so that a secret pasted into the
 * wrong field is not stored either.
 */
import { parseBasic } from './credentials.js';

const IDENTIFIER = /^[A-Za-z0-9_.:@|/-]{1,64}$/;
const MALFORMED = 'malformed';

const identifier = (value: unknown): string | undefined => {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  return IDENTIFIER.test(value) ? value : MALFORMED;
};

/** The key id a Basic header named, `malformed` when it names none that looks like one, undefined without Basic. */
export function attemptedKeyId(authorizationHeader: string | undefined): string | undefined {
  if (!authorizationHeader) return undefined;
  const credentials = parseBasic(authorizationHeader);
  return credentials ? identifier(credentials.id) : MALFORMED;
}

function jsonSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment || !/^[A-Za-z0-9_-]+$/.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `sub` (else the account claim) and `kid` of a JWT, when it parses as one; `malformed` otherwise. */
export function attemptedTokenIdentity(token: string | undefined): { subject: string; kid?: string } | undefined {
  if (token === undefined) return undefined;
  const [header, payload] = token.split('.');
  const claims = jsonSegment(payload);
  const subject = claims ? identifier(claims.sub ?? claims['account-id'] ?? claims.aid ?? claims.account_id) : undefined;
  const kid = identifier(jsonSegment(header)?.kid);
  return { subject: subject ?? MALFORMED, ...(kid !== undefined ? { kid } : {}) };
}
