/**
 * Where an external issuer's JWKS may be fetched from: https only, and never a private, loopback, link-local or
 * otherwise internal address (the JWKS URL must not become a way to make the vault call into its own network, e.g.
 * a cloud metadata service at 169.254.169.254). The URL is checked when configured (a literal address or a local
 * name), and every connection is checked again on the address the name resolves to (a public name that resolves to
 * 10.0.0.5 is refused as well). `allowPrivate` lifts both rules, for tests and labs
 * (TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE=true).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const MAX_JWKS_BYTES = 512 * 1024;

const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
  ['100::', 64],
] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv6');
}

/** Whether an IP address is private, loopback, link-local, reserved or multicast (IPv4-mapped IPv6 included). */
export function isInternalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(bare);
  if (version === 4) return INTERNAL.check(bare, 'ipv4');
  if (version !== 6) return true;
  // ::ffff:10.0.0.1 and the NAT64 prefix 64:ff9b::/96 reach IPv4 addresses: judge the embedded one.
  const embedded = /^(?:::ffff:|64:ff9b::)(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  if (embedded) return INTERNAL.check(embedded, 'ipv4');
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mappedHex?.[1] && mappedHex[2]) {
    const high = Number.parseInt(mappedHex[1], 16);
    const low = Number.parseInt(mappedHex[2], 16);
    return INTERNAL.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return INTERNAL.check(bare, 'ipv6');
}

/** Why a JWKS URL is refused, or undefined when it may be used. */
export function jwksUrlRefusal(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an https URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return 'must be an https URL (TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE=true also allows http, for tests and labs)';
  }
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const internalName = host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || !host.includes('.');
  if (isIP(host) ? isInternalAddress(host) : internalName) {
    return 'must not point at a private, loopback or link-local address (TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE=true allows it, for tests and labs)';
  }
  return undefined;
}

/** A DNS lookup for connections that refuses names resolving to an internal address. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((entry) => isInternalAddress(entry.address));
    if (refused || addresses.length === 0) {
      const failure = Object.assign(new Error(`JWKS host ${hostname} resolves to an internal address`), { code: 'ERR_JWKS_INTERNAL_ADDRESS' });
      return callback(failure, '', 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

type FetchLike = (url: string, options: { headers: Headers; method: string; redirect: 'manual'; signal: AbortSignal }) => Promise<Response>;

/**
 * The fetch jose uses for the JWKS (`customFetch`): Node's own http(s) client with `publicOnlyLookup` (unless
 * private addresses are allowed), no redirects followed, the body capped.
 */
export function jwksFetch(allowPrivate: boolean): FetchLike {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const refusal = jwksUrlRefusal(url, allowPrivate);
      if (refusal) return reject(new Error(`JWKS URL ${refusal}`));
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const headers: Record<string, string> = {};
      options.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const req = send(
        target,
        { method: options.method, headers, signal: options.signal, ...(allowPrivate ? {} : { lookup: publicOnlyLookup }) },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_JWKS_BYTES) {
              res.destroy(new Error('JWKS response too large'));
              return;
            }
            chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
            const status = res.statusCode ?? 500;
            const body = [101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: responseHeaders }));
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
}
