/**
 * One webhook request: a POST with a deadline on the whole exchange, redirects never followed (a 3xx is a failed
 * attempt), the response body read up to a cap and discarded, and, unless internal destinations are allowed,
 * every connection checked on the address the host resolves to (auth/jwks-address.ts publicOnlyLookup).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { publicOnlyLookup } from '../auth/jwks-address.js';
import { destinationRefusal, internalAllowed, type DestinationPolicy } from './destination.js';

const MAX_RESPONSE_BYTES = 64 * 1024;

export interface SendResult {
  /** 2xx. */
  ok: boolean;
  /** The receiver's status code, when it answered. */
  status: number | null;
  /** Why the attempt failed (never the response body). */
  error: string | null;
}

export type Sender = (url: string, headers: Record<string, string>, body: string) => Promise<SendResult>;

export function createSender(policy: DestinationPolicy, timeoutMs: number): Sender {
  return (rawUrl, headers, body) =>
    new Promise<SendResult>((resolve) => {
      const refusal = destinationRefusal(rawUrl, policy);
      if (refusal) return resolve({ ok: false, status: null, error: `destination refused: ${refusal}` });
      const url = new URL(rawUrl);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      let settled = false;
      const finish = (result: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = send(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Tessera-Webhooks/1', ...headers },
          agent: false,
          ...(internalAllowed(url, policy) ? {} : { lookup: publicOnlyLookup }),
        },
        (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) res.destroy();
          });
          const done = () =>
            finish({
              ok: status >= 200 && status < 300,
              status,
              error: status >= 200 && status < 300 ? null : status >= 300 && status < 400 ? `redirect (${status}) not followed` : `HTTP ${status}`,
            });
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish({ ok: false, status: null, error: `timed out after ${timeoutMs} ms` });
      }, timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code === 'ERR_JWKS_INTERNAL_ADDRESS' ? 'the host resolves to an internal address' : (error.code ?? error.message);
        finish({ ok: false, status: null, error: `connection failed: ${reason}` });
      });
      req.end(body);
    });
}
