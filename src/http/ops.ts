/**
 * The operator's endpoints in one call, for main.ts: `/metrics` (and the per-request counting hook), `/readyz`,
 * `/docs` and `/openapi/<name>.json`. `/livez` is already on every server (server.ts / request-context.ts).
 * Call it right after createHttpServer, BEFORE the APIs are mounted, so every route inherits the metrics hook.
 */
import type { FastifyInstance } from 'fastify';
import { addMetrics, type PrometheusMetrics } from './metrics.js';
import { addReadiness, type ReadinessCheck } from './readiness.js';
import { registerDocs, type ApiDocument } from './docs.js';

export interface OperationalRoutesOptions {
  metrics: PrometheusMetrics;
  /** TESSERA_METRICS_TOKEN (config.metricsToken). */
  metricsToken?: string;
  readiness: readonly ReadinessCheck[];
  /** Each readiness check's bound in milliseconds (default 2 s). */
  readinessTimeoutMs?: number;
  /** Serve /docs and /openapi/*.json (default true). */
  docs?: boolean;
}

export async function addOperationalRoutes(app: FastifyInstance, options: OperationalRoutesOptions): Promise<ApiDocument[]> {
  addMetrics(app, options.metrics, options.metricsToken !== undefined ? { token: options.metricsToken } : {});
  addReadiness(app, options.readiness, options.readinessTimeoutMs !== undefined ? { timeoutMs: options.readinessTimeoutMs } : {});
  return options.docs === false ? [] : registerDocs(app);
}
