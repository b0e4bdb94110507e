/**
 * Keyed fingerprints (HMAC-SHA-256): how the same PAN is found again without storing it or a bare hash of it
 * (PCI DSS 3.5.1.1). The domain string keeps fingerprints of different purposes unrelated even under one key.
 */
import { createHmac } from 'node:crypto';

export function fingerprint(key: Buffer, domain: string, value: string): string {
  return createHmac('sha256', key).update(domain).update('\0').update(value).digest('base64url');
}
