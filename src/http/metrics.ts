/**
 * Prometheus metrics with prom-client. Each app gets its own Registry (never prom-client's global one): several
 * apps run in one test process, and a metric registered twice in one registry throws.
 *
 * - HTTP: every answer counted and timed by method, route TEMPLATE (never the raw URL: ids and PAN-like paths
 *   would explode the label set and leak into the scrape) and status.
 * - Process: prom-client's default process and Node.js metrics (CPU, memory, event-loop lag, GC, handles).
 * - Domain instruments behind the `Metrics` interface (src/metrics.ts), fed by the modules they are handed to.
 *
 * `GET /metrics` answers the text exposition format; with a token configured it wants `Authorization: Bearer`.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bearerMatches } from '../auth/credentials.js';
import type { DatabaseEngine, Metrics, NetworkCallOutcome, TransactionOutcome } from '../metrics.js';

/** Seconds. From 1 ms (a cached token read) to 10 s (a network call at its timeout). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];
/** Label of requests that matched no route (404s): their URLs are attacker-chosen, so they share one series. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** One answered HTTP request. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** The exposition text of every metric in this app's registry. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Process and Node.js runtime metrics (default on). */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'tessera_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to sending its answer, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const decryptQueue = new Gauge({
    name: 'tessera_decrypt_queue_depth',
    help: 'Card decryptions waiting for the decryption worker',
    registers,
  });
  const decryptDuration = new Histogram({
    name: 'tessera_decrypt_duration_seconds',
    help: 'Time of one card decryption, queue wait included, by outcome (ok, error)',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const transactionDuration = new Histogram({
    name: 'tessera_db_transaction_duration_seconds',
    help: 'Time of one database transaction from begin to commit or rollback, by engine and outcome',
    labelNames: ['engine', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const commitBatchSize = new Histogram({
    name: 'tessera_db_commit_batch_size',
    help: 'Transactions carried by one group commit, by engine',
    labelNames: ['engine'] as const,
    buckets: BATCH_BUCKETS,
    registers,
  });
  const commitDuration = new Histogram({
    name: 'tessera_db_commit_duration_seconds',
    help: 'Time of one group commit, by engine',
    labelNames: ['engine'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const networkCalls = new Counter({
    name: 'tessera_network_calls_total',
    help: 'Calls to a card network, by network (vts, mdes), operation and outcome (ok, declined, error, timeout)',
    labelNames: ['network', 'operation', 'outcome'] as const,
    registers,
  });
  const networkDuration = new Histogram({
    name: 'tessera_network_call_duration_seconds',
    help: 'Time of one call to a card network, by network, operation and outcome',
    labelNames: ['network', 'operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const outboxLag = new Gauge({
    name: 'tessera_outbox_lag_seconds',
    help: 'Age of the oldest outbox event not yet delivered (0 when none waits)',
    registers,
  });
  const outboxPending = new Gauge({
    name: 'tessera_outbox_pending_events',
    help: 'Outbox events not yet delivered',
    registers,
  });

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    httpRequest(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },
    decryptQueueDepth: (depth: number) => decryptQueue.set(depth),
    decryptDuration: (seconds: number, outcome: 'ok' | 'error') => decryptDuration.observe({ outcome }, seconds),
    transaction: (engine: DatabaseEngine, seconds: number, outcome: TransactionOutcome) => transactionDuration.observe({ engine, outcome }, seconds),
    commitBatch(engine: DatabaseEngine, size: number, seconds: number) {
      commitBatchSize.observe({ engine }, size);
      commitDuration.observe({ engine }, seconds);
    },
    networkCall(network: string, operation: string, outcome: NetworkCallOutcome, seconds: number) {
      networkCalls.inc({ network, operation, outcome });
      networkDuration.observe({ network, operation, outcome }, seconds);
    },
    outbox(lagSeconds: number, pending: number) {
      outboxLag.set(lagSeconds);
      outboxPending.set(pending);
    },
  };
}

export interface MetricsRouteOptions {
  /** When set, `/metrics` answers only `Authorization: Bearer <token>` (TESSERA_METRICS_TOKEN). */
  token?: string;
}

/**
 * Counts every answer of `app` and serves `GET /metrics`. Call it right after createHttpServer, before the APIs
 * are mounted, so the hook is in the root context every route inherits.
 */
export function addMetrics(app: FastifyInstance, metrics: PrometheusMetrics, options: MetricsRouteOptions = {}): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
  });
  const token = options.token;
  app.get('/metrics', async (request, reply) => {
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) {
      request.log.info({ reason: request.headers.authorization ? 'wrong metrics token' : 'no metrics token' }, 'metrics scrape refused');
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'unauthorized' });
    }
    return reply.header('content-type', metrics.contentType).send(await metrics.render());
  });
}
