/**
 * The Fastify instance every API is mounted on: strict JSON, the vendor schemas registered once, Ajv set to
 * report every invalid field and never coerce types (a payment API must not guess what "12" meant).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Ajv } from 'ajv';
import type { Logger } from 'pino';
import { loadOpenApi, SCHEMA_IDS } from './openapi.js';
import { lazyRequestLogger } from './request-logger.js';
import { addRequestContext, requestIdOptions } from './request-context.js';
import { addEdgeNotFound, frameworkErrorHandler } from './edges.js';
import { DEFAULT_CONNECTION_LIMITS, manageConnections, timeoutOptions, type ConnectionLimits } from './connections.js';

const UUID_FLEXIBLE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BODY_LIMIT = 128 * 1024;

export function createHttpServer(logger: Logger, limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS): FastifyInstance {
  let server: FastifyInstance | undefined;
  const app = Fastify({
    loggerInstance: logger,
    // request.log is built on first use: most requests never log (request-logger.ts).
    childLoggerFactory: lazyRequestLogger,
    ...requestIdOptions,
    bodyLimit: BODY_LIMIT,
    // Close idle keep-alive sockets on shutdown; otherwise close() can wait on a client that never speaks again.
    forceCloseConnections: 'idle',
    ...timeoutOptions(limits),
    // Verifone token ids may be up to 255 characters; longer ones must reach validation for a proper 400.
    routerOptions: { maxParamLength: 1000 },
    // A bad or too long URL is answered by the API it belongs to, in its envelope and after its authentication.
    frameworkErrors: frameworkErrorHandler(() => server as FastifyInstance),
    ajv: {
      customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: false },
      plugins: [(ajv: Ajv) => ajv.addFormat('uuid-flexible', UUID_FLEXIBLE)],
    },
  }) as unknown as FastifyInstance;
  server = app;

  // An empty body with a JSON content type (common on PATCH …/suspend) is no body, not a parse error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parseJson(request, text, done);
  });

  app.addSchema({ $id: SCHEMA_IDS.verifone, ...componentsOf('verifone-token-management.openapi.json') });
  app.addSchema({ $id: SCHEMA_IDS.pismo, ...componentsOf('pismo-tokenization.openapi.json') });
  app.addSchema({ $id: SCHEMA_IDS.admin, ...componentsOf('admin.openapi.json') });
  app.addSchema({ $id: SCHEMA_IDS.cryptogram, ...componentsOf('tessera-cryptogram.openapi.json') });
  manageConnections(app, limits);
  addRequestContext(app);
  app.get('/health', async () => ({ status: 'ok' }));
  // Liveness: the process answers. Readiness (database, migrations, network) is /readyz.
  app.get('/livez', async () => ({ status: 'ok' }));
  // Unknown routes: 404 (or 405 with Allow) in the envelope of the API their prefix belongs to, after its guard.
  addEdgeNotFound(app);
  return app;
}

function componentsOf(file: string) {
  return { components: loadOpenApi(file).components };
}
