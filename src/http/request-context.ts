/**
 * What every answer carries and every request leaves in the log, whichever API it belongs to: a request id
 * (the caller's `x-request-id` when it is sane, else a fresh one) on the answer and on every log line; security
 * headers, with `Cache-Control: no-store` because answers carry card data; and one access-log line per request
 * with the route, status, duration and whom the request acted for. URLs are logged redacted (log-redaction.ts).
 */
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactUrl } from './log-redaction.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whom the request acted for once authenticated (`merchant:<id>`, `account:<id>`, `admin`), for the access log. */
    actingFor?: string;
  }
}

/** Printable, short, no spaces: anything else a client sends as a request id is replaced by our own. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
};

/** The request id and security headers every answer carries (also set by hand where no hook runs: edges.ts). */
export function answerHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
}

export function addRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => answerHeaders(request, reply));
  app.addHook('onResponse', async (request, reply) => logAccess(app, request, reply));
}

/** The access-log line of one answer (also written by hand where no hook runs: edges.ts). */
export function logAccess(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): void {
  // Through the server's logger with the id bound by hand: a per-request child logger would cost more than the line.
  app.log.info(
    {
      reqId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: redactUrl(request.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      ...(request.actingFor ? { actingFor: request.actingFor } : {}),
    },
    'request',
  );
}

/** The Fastify options that make the request id ours and the per-request lines our single access line. */
export const requestIdOptions = {
  genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => requestIdOf(request.headers['x-request-id']),
  // Fastify's own incoming/completed lines are replaced by the single access line above.
  logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
};
