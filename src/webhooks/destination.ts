/**
 * Where webhooks may be sent. https only in production, unless the host is in the allowlist; never to a private,
 * loopback or link-local address (neither literally nor through a name resolving to one), unless private
 * destinations are allowed (tests, labs) or the host is in the allowlist. The address rules are the JWKS fetcher's
 * (auth/jwks-address.ts), so the vault has one definition of "internal".
 */
import { isIP } from 'node:net';
import { isInternalAddress } from '../auth/jwks-address.js';

export interface DestinationPolicy {
  /** Production: plain http is refused (unless allowlisted). */
  production: boolean;
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE: private, loopback and link-local destinations are allowed. */
  allowPrivate: boolean;
  /** TESSERA_WEBHOOK_ALLOWED_HOSTS: hosts allowed over http and at internal addresses. */
  allowedHosts: readonly string[];
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();

/** Whether connections to this URL's host may go to internal addresses (so the resolved address is not checked). */
export function internalAllowed(url: URL, policy: DestinationPolicy): boolean {
  return policy.allowPrivate || policy.allowedHosts.includes(hostOf(url));
}

/** Why a webhook URL is refused, or undefined when it may be used. */
export function destinationRefusal(raw: string, policy: DestinationPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials';
  const host = hostOf(url);
  const allowlisted = policy.allowedHosts.includes(host);
  if (url.protocol === 'http:' && policy.production && !allowlisted) return 'must be https (TESSERA_WEBHOOK_ALLOWED_HOSTS may allow a host over http)';
  if (internalAllowed(url, policy)) return undefined;
  const internalName = host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || !host.includes('.');
  if (isIP(host) ? isInternalAddress(host) : internalName) {
    return 'must not point at a private, loopback or link-local address (TESSERA_WEBHOOK_ALLOW_PRIVATE or TESSERA_WEBHOOK_ALLOWED_HOSTS allow it)';
  }
  return undefined;
}
