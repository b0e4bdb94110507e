/**
 * Every answer of an API in that API's envelope, and only after its authentication — Fastify's own answers
 * included. Each API (Verifone under `/oidc/`, Pismo under `/cards-tokenization/`, admin under `/admin/`…) registers
 * an Edge: its URL prefixes, its guard (rate limits and authentication, which throw) and its error handler. Then:
 *
 * - an unknown route under a prefix is guarded first (no credentials: that API's 401), then answered 404 in the
 *   envelope — or 405 with `Allow` when the path is one of the API's with another method;
 * - Fastify's framework errors (`FST_ERR_BAD_URL`, `FST_ERR_MAX_PARAM_LENGTH`, answered by Fastify before any hook)
 *   are guarded the same way and answered 400 in the envelope, the URL never echoed;
 * - a RateLimited error carries `Retry-After`, a NoSuchRoute for a known path carries `Allow`, whichever handler
 *   renders them (withEdgeHeaders).
 *
 * Paths under no API's prefix answer a plain 404 `{error_code:'not_found'}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, RateLimited, Unavailable } from '../errors.js';
import { answerHeaders, logAccess } from './request-context.js';

export type EdgeErrorHandler = (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => unknown;

export interface Edge {
  /** The URL prefixes of the API (`/oidc/`); the longest matching one wins. */
  prefixes: readonly string[];
  /** Rate limits and authentication, as the API's onRequest hook runs them; throws to refuse. */
  guard(request: FastifyRequest): Promise<void>;
  /** Renders any error in the API's envelope (NoSuchRoute included). */
  errorHandler: EdgeErrorHandler;
}

/** No route for this method and path. `allowed` lists the methods the path has, when it is one of the API's (405). */
export class NoSuchRoute extends Error {
  constructor(readonly allowed: readonly string[]) {
    super(allowed.length > 0 ? 'method not allowed' : 'no such route');
  }
}

interface KnownRoute {
  method: string;
  pattern: RegExp;
}

interface Registry {
  edges: Array<Edge & { routes: KnownRoute[] }>;
}

const registries = new WeakMap<object, Registry>();

function registryOf(app: FastifyInstance): Registry {
  let registry = registries.get(app);
  if (!registry) registries.set(app, (registry = { edges: [] }));
  return registry;
}

/** `/oidc/api/v2/card/:id` → a RegExp matching concrete paths of that route. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

export interface RegisteredEdge {
  /** Records a route of the API (its full URL, prefix included), for 405 and `Allow`. */
  addRoute(method: string, url: string): void;
}

/** Registers an API's edge on the root server (the instance createHttpServer returned). */
export function registerEdge(app: FastifyInstance, edge: Edge): RegisteredEdge {
  const entry = { ...edge, errorHandler: withEdgeHeaders(edge.errorHandler), routes: [] as KnownRoute[] };
  registryOf(app).edges.push(entry);
  return {
    addRoute(method, url) {
      entry.routes.push({ method, pattern: patternOf(url) });
      if (method === 'GET') entry.routes.push({ method: 'HEAD', pattern: patternOf(url) });
    },
  };
}

/**
 * Sets `Retry-After` for a RateLimited or Unavailable error and `Allow` for a 405 before the envelope is rendered.
 * An unavailable dependency is logged as a warning naming its cause: it is a condition of the deployment, not a bug.
 */
export function withEdgeHeaders(handler: EdgeErrorHandler): EdgeErrorHandler {
  return (error, request, reply) => {
    if (error instanceof RateLimited) {
      reply.header('retry-after', String(error.retryAfterSeconds));
      request.log.warn({ limit: error.limit, retryAfter: error.retryAfterSeconds }, 'rate limited');
    }
    if (error instanceof Unavailable) {
      reply.header('retry-after', String(error.retryAfterSeconds));
      request.log.warn({ dependency: error.dependency, reason: error.message }, 'dependency unavailable');
    }
    if (error instanceof NoSuchRoute && error.allowed.length > 0) reply.header('allow', error.allowed.join(', '));
    // Why a caller was refused, for whoever reads the logs (the answer itself never tells). Reasons are fixed
    // texts of the auth modules (`wrong admin token`, `unknown API key id`, `account token rejected: …`), never
    // a credential.
    if (error instanceof DomainError && error.kind === 'unauthorized') request.log.info({ reason: error.message }, 'authentication refused');
    return handler(error, request, reply);
  };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function edgeFor(app: FastifyInstance, url: string) {
  const path = pathOf(url);
  let best: { edge: Registry['edges'][number]; length: number } | undefined;
  for (const edge of registryOf(app).edges) {
    for (const prefix of edge.prefixes) {
      const matches = path.startsWith(prefix) || `${path}/` === prefix;
      if (matches && (!best || prefix.length > best.length)) best = { edge, length: prefix.length };
    }
  }
  return best?.edge;
}

const plainNotFound = { error_code: 'not_found', message: 'no such route' };

/** Guards, then renders `error` (or the guard's refusal) in the edge's envelope. */
async function answerInEdge(edge: Registry['edges'][number], error: Error, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  try {
    await edge.guard(request);
  } catch (refusal) {
    return edge.errorHandler(refusal as Error, request, reply);
  }
  return edge.errorHandler(error, request, reply);
}

/** A framework error as the request problem every envelope renders from Ajv-style details: a 400 naming `params`. */
function asInvalidPath(error: FastifyError): FastifyError {
  const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'is too long' : 'is not a valid URL';
  return Object.assign(new Error(message), {
    code: error.code,
    statusCode: 400,
    validation: [{ instancePath: '', keyword: 'url', params: {}, message }],
    validationContext: 'params',
  }) as unknown as FastifyError;
}

/** The root not-found handler: unknown routes answered by the API their prefix belongs to, after its guard. */
export function addEdgeNotFound(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => {
    const edge = edgeFor(app, request.url);
    if (!edge) return reply.status(404).send(plainNotFound);
    const path = pathOf(request.url);
    const allowed = [...new Set(edge.routes.filter((route) => route.pattern.test(path)).map((route) => route.method))].sort();
    return answerInEdge(edge, new NoSuchRoute(allowed), request, reply);
  });
}

/**
 * Fastify's `frameworkErrors` option: errors found while routing, before any hook ran (so the answer headers are
 * set here). The API the URL belongs to guards and answers; the URL itself is never echoed.
 */
export function frameworkErrorHandler(app: () => FastifyInstance) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    answerHeaders(request, reply);
    reply.raw.once('finish', () => logAccess(app(), request, reply));
    const edge = edgeFor(app(), request.url);
    const invalid = asInvalidPath(error);
    if (!edge) {
      void reply.status(400).send({ error_code: 'invalid_request', message: 'invalid request', details: { params: invalid.message } });
      return;
    }
    void answerInEdge(edge, invalid, request, reply);
  };
}
