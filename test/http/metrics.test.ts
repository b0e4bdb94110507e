/**
 * /metrics over real HTTP, read back as Prometheus text: the HTTP instruments count by route template and status,
 * the domain instruments exist with their labels, process metrics are there, two apps do not share a registry,
 * and a configured token is required.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { addMetrics, createMetrics, UNMATCHED_ROUTE, type PrometheusMetrics } from '../../src/http/metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

/** A strict reader of the text exposition format: every line is a comment, blank, or `name{labels} value`. */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      (comment[1] === 'TYPE' ? types : help).set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!sample) throw new Error(`not exposition format: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g)) labels[key!] = value!;
    // Values are Go ParseFloat numbers: Inf and NaN case-insensitively (prom-client writes `Nan` for an event-loop
    // lag not sampled yet).
    const raw = sample[3]!.toLowerCase();
    const value = raw === '+inf' || raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw === 'nan' ? Number.NaN : Number(raw);
    if (Number.isNaN(value) && raw !== 'nan') throw new Error(`bad value: ${line}`);
    samples.push({ name: sample[1]!, labels, value });
  }
  return { types, help, samples };
}

const find = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  exposition.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(options: { token?: string; metrics?: PrometheusMetrics } = {}) {
  const metrics = options.metrics ?? createMetrics();
  const app = createHttpServer(createLogger('silent'));
  addMetrics(app, metrics, options.token !== undefined ? { token: options.token } : {});
  app.get('/things/:id', async () => ({ ok: true }));
  app.get('/broken', async (_request, reply) => reply.code(503).send({ down: true }));
  apps.push(app);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { base, metrics };
}

async function scrape(base: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(`${base}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

describe('/metrics', () => {
  it('counts requests by method, route template and status, with a latency histogram', async () => {
    const { base } = await start();
    const before = await scrape(base);
    expect(find(before, 'tessera_http_requests_total', { route: '/things/:id' })).toEqual([]);

    for (const id of ['a', 'b', '4111111111111111']) expect((await fetch(`${base}/things/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/broken`)).status).toBe(503);
    expect((await fetch(`${base}/no/such/4111111111111111`)).status).toBe(404);

    const after = await scrape(base);
    expect(after.types.get('tessera_http_requests_total')).toBe('counter');
    expect(after.types.get('tessera_http_request_duration_seconds')).toBe('histogram');
    expect(find(after, 'tessera_http_requests_total', { method: 'GET', route: '/things/:id', status: '200' })).toMatchObject([{ value: 3 }]);
    expect(find(after, 'tessera_http_requests_total', { route: '/broken', status: '503' })).toMatchObject([{ value: 1 }]);
    expect(find(after, 'tessera_http_requests_total', { route: UNMATCHED_ROUTE, status: '404' })).toMatchObject([{ value: 1 }]);
    // The first scrape is counted by the second.
    expect(find(after, 'tessera_http_requests_total', { route: '/metrics', status: '200' })).toMatchObject([{ value: 1 }]);
    expect(find(after, 'tessera_http_request_duration_seconds_count', { route: '/things/:id', status: '200' })).toMatchObject([{ value: 3 }]);
    const buckets = find(after, 'tessera_http_request_duration_seconds_bucket', { route: '/things/:id', status: '200' });
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(3);
    // Never a raw URL in a label: no PAN-like path reaches the scrape.
    expect(after.samples.some((s) => Object.values(s.labels).some((v) => v.includes('4111111111111111')))).toBe(false);
  });

  it('exposes process metrics and every domain instrument with its labels once fed', async () => {
    const { base, metrics } = await start();
    metrics.decryptQueueDepth(3);
    metrics.decryptDuration(0.004, 'ok');
    metrics.transaction('sqlite', 0.002, 'commit');
    metrics.transaction('postgres', 0.01, 'rollback');
    metrics.commitBatch('sqlite', 12, 0.003);
    metrics.networkCall('vts', 'provision', 'ok', 0.05);
    metrics.networkCall('mdes', 'suspend', 'timeout', 3);
    metrics.outbox(7.5, 4);
    const exposition = await scrape(base);

    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(find(exposition, name).length, name).toBeGreaterThan(0);
    }
    expect(find(exposition, 'tessera_decrypt_queue_depth')).toMatchObject([{ value: 3 }]);
    expect(find(exposition, 'tessera_decrypt_duration_seconds_count', { outcome: 'ok' })).toMatchObject([{ value: 1 }]);
    expect(find(exposition, 'tessera_db_transaction_duration_seconds_count', { engine: 'sqlite', outcome: 'commit' })).toMatchObject([{ value: 1 }]);
    expect(find(exposition, 'tessera_db_transaction_duration_seconds_count', { engine: 'postgres', outcome: 'rollback' })).toMatchObject([{ value: 1 }]);
    expect(find(exposition, 'tessera_db_commit_batch_size_sum', { engine: 'sqlite' })).toMatchObject([{ value: 12 }]);
    expect(find(exposition, 'tessera_db_commit_duration_seconds_count', { engine: 'sqlite' })).toMatchObject([{ value: 1 }]);
    expect(find(exposition, 'tessera_network_calls_total', { network: 'vts', operation: 'provision', outcome: 'ok' })).toMatchObject([{ value: 1 }]);
    expect(find(exposition, 'tessera_network_calls_total', { network: 'mdes', operation: 'suspend', outcome: 'timeout' })).toMatchObject([{ value: 1 }]);
    expect(find(exposition, 'tessera_network_call_duration_seconds_sum', { network: 'mdes' })).toMatchObject([{ value: 3 }]);
    expect(find(exposition, 'tessera_outbox_lag_seconds')).toMatchObject([{ value: 7.5 }]);
    expect(find(exposition, 'tessera_outbox_pending_events')).toMatchObject([{ value: 4 }]);
    for (const name of ['tessera_decrypt_queue_depth', 'tessera_outbox_lag_seconds']) expect(exposition.types.get(name)).toBe('gauge');
    expect(exposition.types.get('tessera_network_calls_total')).toBe('counter');
  });

  it('gives each app its own registry: two apps in one process neither collide nor share counts', async () => {
    const one = await start();
    const two = await start();
    await fetch(`${one.base}/things/x`);
    await fetch(`${one.base}/things/y`);
    const exposition = await scrape(two.base);
    expect(find(exposition, 'tessera_http_requests_total', { route: '/things/:id' })).toEqual([]);
    expect(find(await scrape(one.base), 'tessera_http_requests_total', { route: '/things/:id' })).toMatchObject([{ value: 2 }]);
  });

  it('with a token, answers 401 without the right bearer and the text with it', async () => {
    const token = 'metrics-token-of-good-length-123';
    const { base } = await start({ token });
    for (const headers of <Array<Record<string, string>>>[
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: `Basic ${token}` },
      { authorization: `Bearer ${token}x` },
    ]) {
      const response = await fetch(`${base}/metrics`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const text = await response.text();
      expect(text).not.toContain('tessera_http_requests_total');
    }
    const exposition = await scrape(base, { authorization: `Bearer ${token}` });
    // The refused scrapes were counted as 401s on /metrics.
    expect(find(exposition, 'tessera_http_requests_total', { route: '/metrics', status: '401' })).toMatchObject([{ value: 4 }]);
  });
});
