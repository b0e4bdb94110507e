/**
 * `npm run bench`: starts the service (child process, embedded SQLite store, fresh temp data dir), bootstraps a
 * merchant through the admin API, pre-encrypts cards, then drives each scenario (scenarios.ts) with autocannon at a
 * fixed concurrency and prints requests/s, p50/p99 latency, errors, the server's peak RSS and the machine.
 *
 * Floors (issue): PUT ≥ 500/s, GET ≥ 5,000/s, RSS ≤ 250 MB on 2-core machines. A miss is printed (BELOW), not fatal:
 * the exit code is non-zero only when something crashed.
 *
 * Environment: BENCH_DURATION (seconds per scenario, default 10), BENCH_CARDS (pre-encrypted cards, default 12000).
 */
import autocannon from 'autocannon';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateEncryptedCards } from './cards.js';
import { bootstrapMerchant, CardPool, primeMerchantAuth, type BenchContext } from './context.js';
import { measurePrimitives, type MicroResults } from './micro.js';
import { measureStopUnderLoad } from './stop-under-load.js';
import { describeFairness, runFairness, type FairnessResult } from './fairness.js';
import { startWebhookProbe } from './webhook-delivery.js';
import { SCENARIOS, GET_TOKEN_COUNT, type RequestBuilder, type Scenario } from './scenarios.js';
import { machineBusyCpuSeconds, PACKAGE_ROOT, procCpuSeconds, procStatusBytes, sampleRss, startServer, type ServerProcess } from './server.js';

const WARMUP_SECONDS = 2;
const RSS_CEILING_MB = 250;
const CARD_VALIDITY_MS = 15 * 60_000;
const CARD_THREADS = Math.max(1, Math.min(2, availableParallelism()));

function envNumber(name: string, fallback: number, integer: boolean): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/s$/, ''));
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'whole ' : ''}number, got "${raw}"`);
  }
  return value;
}

const DURATION_SECONDS = envNumber('BENCH_DURATION', 10, false);
const CARD_COUNT = envNumber('BENCH_CARDS', 12_000, true);
const FAIRNESS_SECONDS = envNumber('BENCH_FAIRNESS_SECONDS', 5, false);

const MB = 1024 * 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const log = (line = '') => process.stdout.write(line + '\n');

// ---- running one scenario ---------------------------------------------------------------------------------------

interface LoadResult {
  requests: number;
  ok: number;
  durationSeconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  non2xx: number;
  connectionErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** First few non-2xx response bodies (truncated), to tell what went wrong. */
  errorSamples: string[];
  /** Requests the builder could not supply (inputs exhausted before the load generator stopped). */
  exhausted: number;
}

/** Drives `builder` with autocannon for `seconds` (or until its finite inputs run out). */
function runLoad(baseUrl: string, builder: RequestBuilder, connections: number, seconds: number): Promise<LoadResult | undefined> {
  const remaining = builder.remaining?.();
  if (remaining !== undefined && remaining < connections) return Promise.resolve(undefined);
  const errorSamples: string[] = [];
  let exhausted = 0;
  return new Promise((resolve, reject) => {
    let instance: autocannon.Instance | undefined;
    const request: autocannon.Request = {
      setupRequest(defaults, context) {
        const next = builder.next(context);
        if (next === undefined) {
          // Should not happen (maxOverallRequests caps finite scenarios); send something harmless and stop.
          exhausted++;
          instance?.stop();
          return { ...defaults, method: 'GET', path: '/health', headers: {}, body: undefined };
        }
        // Fresh headers object each time: autocannon writes Content-Length into it.
        return { ...defaults, method: next.method, path: next.path, headers: { ...next.headers }, body: next.body };
      },
      onResponse(status, body, context) {
        if ((status < 200 || status > 299) && errorSamples.length < 5) errorSamples.push(`${status} ${body.slice(0, 300)}`);
        builder.onResponse?.(status, body, context);
      },
    };
    instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: seconds,
        ...(remaining !== undefined ? { maxOverallRequests: remaining } : {}),
        timeout: 30,
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error);
        const durationSeconds = Math.max(0.001, (result.finish.getTime() - result.start.getTime()) / 1000);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = Number(count);
        const ok = result['2xx'];
        resolve({
          requests: result.requests.total,
          ok,
          durationSeconds,
          // Successful requests per second: errors do not count as throughput.
          rps: ok / durationSeconds,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          meanMs: result.latency.average,
          maxMs: result.latency.max,
          non2xx: result.non2xx,
          connectionErrors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          errorSamples,
          exhausted,
        });
      },
    );
  });
}

interface ScenarioResult {
  name: string;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  errors: number;
  non2xx: number;
  connectionErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  errorSamples: string[];
  floorRps: number | null;
  pass: boolean | null;
  /** Server CPU over the measured run, in % of one core (all threads, incl. libuv pool). */
  serverCpuPercent: number | null;
  serverCpuMsPerRequest: number | null;
  /** Bench process (load generator) CPU, in % of one core. */
  benchCpuPercent: number;
  /** CPU used by every other process on the machine during the run, in % of one core: contention. */
  otherCpuPercent: number | null;
  /** Server peak RSS (VmHWM) at the end of this scenario, MB: shows which phase grew the memory. */
  serverPeakRssMbAfter: number | null;
  note?: string;
}

async function runScenario(ctx: BenchContext, server: ServerProcess, scenario: Scenario): Promise<ScenarioResult> {
  const builder = await scenario.setup(ctx);
  const warmup = await runLoad(ctx.baseUrl, builder, scenario.connections, WARMUP_SECONDS);
  if (warmup && warmup.non2xx + warmup.connectionErrors > 0) {
    log(`    warm-up: ${warmup.non2xx} non-2xx, ${warmup.connectionErrors} connection errors`);
  }
  const machine0 = machineBusyCpuSeconds();
  const cpu0 = procCpuSeconds(server.pid);
  const benchCpu0 = process.cpuUsage();
  const run = await runLoad(ctx.baseUrl, builder, scenario.connections, DURATION_SECONDS);
  const cpu1 = procCpuSeconds(server.pid);
  const benchCpu = process.cpuUsage(benchCpu0);
  const machine1 = machineBusyCpuSeconds();
  const hwmAfter = procStatusBytes(server.pid, 'VmHWM');
  if (!run) throw new Error(`${scenario.name}: not enough inputs left to run (raise BENCH_CARDS)`);

  const serverCpuSeconds = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
  const benchCpuSeconds = (benchCpu.user + benchCpu.system) / 1e6;
  const otherCpuSeconds =
    machine0 !== undefined && machine1 !== undefined && serverCpuSeconds !== undefined
      ? Math.max(0, machine1 - machine0 - serverCpuSeconds - benchCpuSeconds)
      : undefined;
  const errors = run.non2xx + run.connectionErrors;
  const floorRps = scenario.floorRps ?? null;
  const notes: string[] = builder.note ? [builder.note] : [];
  if (run.durationSeconds < DURATION_SECONDS * 0.9) notes.push(`stopped after ${fmt(run.durationSeconds, 1)} s: inputs used up (raise BENCH_CARDS)`);
  if (run.exhausted > 0) notes.push(`${run.exhausted} filler requests after the inputs ran out`);
  return {
    name: scenario.name,
    connections: scenario.connections,
    warmupSeconds: WARMUP_SECONDS,
    durationSeconds: run.durationSeconds,
    requests: run.requests,
    rps: run.rps,
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    meanMs: run.meanMs,
    maxMs: run.maxMs,
    errors,
    non2xx: run.non2xx,
    connectionErrors: run.connectionErrors,
    timeouts: run.timeouts,
    statusCodes: run.statusCodes,
    errorSamples: run.errorSamples,
    floorRps,
    pass: floorRps === null ? null : run.rps >= floorRps,
    serverCpuPercent: serverCpuSeconds === undefined ? null : (100 * serverCpuSeconds) / run.durationSeconds,
    serverCpuMsPerRequest: serverCpuSeconds === undefined || run.requests === 0 ? null : (1000 * serverCpuSeconds) / run.requests,
    benchCpuPercent: (100 * benchCpuSeconds) / run.durationSeconds,
    otherCpuPercent: otherCpuSeconds === undefined ? null : (100 * otherCpuSeconds) / run.durationSeconds,
    serverPeakRssMbAfter: hwmAfter === undefined ? null : hwmAfter / MB,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

// ---- output ---------------------------------------------------------------------------------------------------

function table(headers: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function printResults(results: ScenarioResult[], rss: { hwmBytes?: number; sampledMaxBytes: number }): void {
  const rows = results.map((r) => [
    r.name,
    String(r.connections),
    fmt(r.durationSeconds, 1) + ' s',
    fmt(r.rps, 0),
    fmt(r.p50Ms, 0),
    fmt(r.p99Ms, 0),
    r.errors > 0 ? `${fmt(r.errors)} !` : '0',
    r.floorRps === null ? '-' : `≥ ${fmt(r.floorRps)}/s`,
    r.pass === null ? '-' : r.pass ? 'PASS' : 'BELOW',
    r.serverCpuPercent === null ? '?' : `${fmt(r.serverCpuPercent)} %`,
    `${fmt(r.benchCpuPercent)} %`,
    r.otherCpuPercent === null ? '?' : `${fmt(r.otherCpuPercent)} %`,
    r.serverPeakRssMbAfter === null ? '?' : `${fmt(r.serverPeakRssMbAfter, 1)} MB`,
  ]);
  const rssBytes = rss.hwmBytes ?? rss.sampledMaxBytes;
  const rssMb = rssBytes / MB;
  rows.push([
    'server peak RSS (VmHWM)',
    '',
    '',
    '',
    '',
    '',
    '',
    `≤ ${RSS_CEILING_MB} MB`,
    rssMb <= RSS_CEILING_MB ? 'PASS' : 'BELOW',
    '',
    '',
    '',
    `${fmt(rssMb, 1)} MB`,
  ]);
  log(
    table(
      ['scenario', 'conns', 'duration', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'floor', 'mark', 'srv CPU', 'bench CPU', 'other CPU', 'srv peak RSS'],
      rows,
      new Set([1, 2, 3, 4, 5, 6, 9, 10, 11, 12]),
    ),
  );
  log(
    `(req/s counts 2xx only; latency from autocannon, 2xx only; srv / bench / other CPU = % of one core over the measured run, ` +
      `"other" = every other process on the machine; srv peak RSS = server VmHWM at the end of that scenario; ` +
      `peak RSS: VmHWM ${rss.hwmBytes === undefined ? 'unavailable' : fmt(rss.hwmBytes / MB, 1) + ' MB'}, ` +
      `max sampled VmRSS ${fmt(rss.sampledMaxBytes / MB, 1)} MB)`,
  );
  const contended = results.filter((r) => r.otherCpuPercent !== null && r.otherCpuPercent > 20);
  if (contended.length > 0) {
    log(
      `! other processes used CPU during the run (${contended.map((r) => `${fmt(r.otherCpuPercent ?? 0)} % of a core during "${r.name}"`).join(', ')}): ` +
        `figures are lower than on an idle machine; rerun on a quiet machine before comparing against the floors.`,
    );
  }
  for (const r of results) {
    if (r.errors > 0) {
      log(`! ${r.name}: ${r.non2xx} non-2xx, ${r.connectionErrors} connection errors (${r.timeouts} timeouts); status codes ${JSON.stringify(r.statusCodes)}`);
      for (const sample of r.errorSamples) log(`    e.g. ${sample}`);
    }
    if (r.note) log(`  note (${r.name}): ${r.note}`);
  }
}

function printWhereTheTimeGoes(results: ScenarioResult[], micro: MicroResults, generation: { ms: number; count: number; threads: number }): void {
  const put = results.find((r) => r.name.includes('PUT'));
  const get = results.find((r) => r.name.includes('GET'));
  const d = micro.pgpDecrypt.meanMs;
  log('Where the time goes (micro-measurements in the bench process, same Node / openpgp / parameters as the server):');
  log(
    `  - OpenPGP decrypt of one encrypted_card (curve25519, ${micro.pgpDecrypt.iterations} runs one at a time): mean ${fmt(d, 2)} ms, ` +
      `p50 ${fmt(micro.pgpDecrypt.p50Ms, 2)} ms, p99 ${fmt(micro.pgpDecrypt.p99Ms, 2)} ms; CPU ${fmt(micro.pgpDecryptCpuMs, 2)} ms per decrypt ` +
      `(JS thread + libuv pool, where openpgp's WebCrypto calls run).`,
  );
  const ceiling = micro.pgpDecryptConcurrent.perSecond;
  log(
    `    With ${micro.pgpDecryptConcurrent.concurrency} in flight, one thread decrypts ${fmt(ceiling)} blobs/s on this machine. The server decrypts ` +
      `in one worker thread (decrypt-pool.ts), so this is the PUT/s ceiling of one server process` +
      (put
        ? `; the measured ${fmt(put.rps)} PUT/s is ≈ ${fmt((100 * put.rps) / ceiling)} % of it (the ceiling is measured afterwards, in the bench process: approximate).`
        : '.'),
  );
  if (put && put.serverCpuMsPerRequest !== null) {
    log(
      `    Measured server CPU per PUT, all threads (HTTP, decryption worker, libuv pool, SQLite): ${fmt(put.serverCpuMsPerRequest, 2)} ms ` +
        `(${fmt(put.serverCpuPercent ?? 0)} % of a core at ${fmt(put.rps)} PUT/s). ${fmt(put.floorRps ?? 0)} PUT/s on ${availableParallelism()} cores ` +
        `allows ≤ ${fmt((1000 * availableParallelism()) / (put.floorRps ?? 1), 2)} ms of CPU per PUT in total.`,
    );
  }
  log(
    `  - OpenPGP encrypt (client side, for reference, ${micro.pgpEncrypt.iterations} runs): mean ${fmt(micro.pgpEncrypt.meanMs, 2)} ms; ` +
      `pre-generating ${fmt(generation.count)} cards took ${fmt(generation.ms / 1000, 1)} s on ${generation.threads} threads.`,
  );
  log(
    `  - scrypt verify of an API secret (N=16384, r=8, ${micro.scryptVerify.iterations} runs): mean ${fmt(micro.scryptVerify.meanMs, 1)} ms ` +
      `(libuv pool, not the JS thread). The merchant authenticator caches a verified secret for 60 s, so it is paid once ` +
      `per API key per minute (concurrent misses with the same credentials share one verification), not per request; per request it would cap ` +
      `at ~${fmt((4 * 1000) / micro.scryptVerify.meanMs)} req/s with the default 4 pool threads.`,
  );
  if (get && get.serverCpuMsPerRequest !== null) {
    log(
      `  - GET: ${fmt(get.serverCpuMsPerRequest, 3)} ms server CPU per request (${fmt(get.serverCpuPercent ?? 0)} % of a core); ` +
        `the load generator used ${fmt(get.benchCpuPercent)} % of a core on the same machine.`,
    );
  }
  const ops = results.find((r) => r.name.includes('SUSPEND'));
  if (ops && ops.serverCpuMsPerRequest !== null) {
    log(
      `  - issuer SUSPEND/RESUME: ${fmt(ops.serverCpuMsPerRequest, 3)} ms server CPU per operation (${fmt(ops.serverCpuPercent ?? 0)} % of a core), ` +
        `including the in-process network simulator's side; each operation makes two durable SQLite commits (the simulated network's ` +
        `record; then token, audit record and event), and concurrent operations share fsyncs through group commit, so below a full core ` +
        `the wait is the disk, not the CPU.`,
    );
  }
}

// ---- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const cli = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} not found: build first (npm run build)`);

  const cores = availableParallelism();
  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  log('Tessera benchmark');
  log(`  node ${process.version}, ${cores} cores (availableParallelism), CPU: ${cpuModel}, RAM ${fmt(totalmem() / MB / 1024, 1)} GiB`);
  log(
    `  load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (1/5/15 min)`,
  );
  log(`  store: embedded SQLite (fresh temp dir), NODE_ENV=production, TESSERA_LOG_LEVEL=warn`);
  log(`  per scenario: ${WARMUP_SECONDS} s warm-up (not counted) + ${DURATION_SECONDS} s measured (BENCH_DURATION)`);
  for (const s of SCENARIOS) log(`  scenario: ${s.name} — ${s.connections} connections${s.floorRps ? `, floor ≥ ${fmt(s.floorRps)}/s` : ''}`);
  log();

  const server = await startServer();
  activeServer = server;
  log(`server pid ${server.pid} on ${server.baseUrl}`);
  const rssSampler = sampleRss(server.pid, 500);
  const guard = <T>(p: Promise<T>) => Promise.race([p, server.crashed]);

  const merchant = await guard(bootstrapMerchant(server.baseUrl, server.adminToken));
  log(`bootstrapped merchant ${merchant.merchantId} (token scope ${merchant.scope}, capture key ${merchant.alias})`);
  const primeMs = await guard(primeMerchantAuth({ baseUrl: server.baseUrl, merchant }));
  log(`primed the merchant auth cache with one request (${fmt(primeMs)} ms, one scrypt verify)`);

  log(`pre-generating ${fmt(CARD_COUNT)} encrypted cards on ${CARD_THREADS} worker threads (not measured)…`);
  const genStart = Date.now();
  const blobs = await guard(generateEncryptedCards(merchant.publicKey, CARD_COUNT, CARD_THREADS));
  const generation = { ms: Date.now() - genStart, count: blobs.length, threads: CARD_THREADS };
  log(
    `  generated ${fmt(blobs.length)} cards in ${fmt(generation.ms / 1000, 1)} s (${fmt((generation.ms * CARD_THREADS) / blobs.length, 2)} ms per card per thread)`,
  );
  const validUntil = genStart + CARD_VALIDITY_MS;
  const needed = SCENARIOS.length * (WARMUP_SECONDS + DURATION_SECONDS) * 1000 + 30_000;
  if (Date.now() + needed > validUntil) log(`  warning: the oldest cards expire before the run may end (captureTime + 15 min); lower BENCH_DURATION`);

  const ctx: BenchContext = {
    baseUrl: server.baseUrl,
    adminToken: server.adminToken,
    merchant,
    cards: new CardPool(blobs, validUntil),
    tokens: [],
    tokenTarget: GET_TOKEN_COUNT,
  };

  const idleHwm = procStatusBytes(server.pid, 'VmHWM');
  if (idleHwm !== undefined) log(`server peak RSS before any load: ${fmt(idleHwm / MB, 1)} MB`);
  // Subscribed before the load: every token event of the PUT load is delivered to a loopback receiver.
  const webhookProbe = await guard(startWebhookProbe(ctx));
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    log(`running: ${scenario.name} (${scenario.connections} connections, ${WARMUP_SECONDS} s warm-up + ${DURATION_SECONDS} s)…`);
    const result = await guard(runScenario(ctx, server, scenario));
    log(`  ${fmt(result.rps)} req/s, p50 ${fmt(result.p50Ms)} ms, p99 ${fmt(result.p99Ms)} ms, ${result.errors} errors`);
    results.push(result);
    if (scenario.name.startsWith('merchant PUT')) {
      // The webhooks of the PUT load: delivered while it ran, and the backlog it left.
      log('  waiting for the webhook deliveries of the PUT load to end…');
      const webhooks = await guard(webhookProbe.report());
      log(
        `  webhooks: ${fmt(webhooks.delivered)} events delivered, ${fmt(webhooks.eventsPerSecond)} events/s, lag commit → receipt p50 ${fmt(webhooks.p50LagMs)} ms, p99 ${fmt(webhooks.p99LagMs)} ms`,
      );
    }
  }
  await webhookProbe.close();

  const hwmBytes = procStatusBytes(server.pid, 'VmHWM');
  rssSampler.stop();
  const sampledMaxBytes = Math.max(rssSampler.max(), procStatusBytes(server.pid, 'VmRSS') ?? 0);
  // After the RSS figures: the flood's RSA keys and messages are not what the RSS ceiling is about.
  log(`running: fairness (an RSA-3072 flood beside a curve25519 merchant, ${FAIRNESS_SECONDS} s, BENCH_FAIRNESS_SECONDS)…`);
  const fairness: FairnessResult = await guard(runFairness(server.baseUrl, server.adminToken, FAIRNESS_SECONDS));
  const serverLines = server.outputLines();
  const serverOutput = [...server.output];
  await server.stop();
  activeServer = undefined;

  log('measuring primitives (OpenPGP decrypt ×200, scrypt verify ×10)…');
  const micro = await measurePrimitives(200, 10);
  log('measuring a graceful stop under keep-alive load (a server of its own, SIGTERM while autocannon keeps its connections busy)…');
  const stop = await measureStopUnderLoad();
  log(
    `  stop under keep-alive load: ${fmt(stop.stopSeconds, 2)} s from SIGTERM to exit (${stop.connections} keep-alive connections, ` +
      `${fmt(stop.answeredBeforeStop)} requests answered before the signal, exit code ${stop.exit?.code ?? 'none'}, signal ${stop.exit?.signal ?? 'none'})`,
  );

  log();
  printResults(results, { ...(hwmBytes !== undefined ? { hwmBytes } : {}), sampledMaxBytes });
  log();
  printWhereTheTimeGoes(results, micro, generation);
  log();
  for (const line of describeFairness(fairness)) log(line);
  log();
  if (serverLines > 0) {
    log(`server wrote ${serverLines} line(s) at level warn or above (first ${Math.min(serverLines, 10)}):`);
    for (const line of serverOutput.slice(0, 10)) log(`  ${line.slice(0, 400)}`);
  } else {
    log('server wrote nothing at level warn or above.');
  }
  log();

  const rssMb = (hwmBytes ?? sampledMaxBytes) / MB;
  const json = {
    machine: { cores, cpuModel, node: process.version, totalMemMb: Math.round(totalmem() / MB), loadAvgAtStart: loadAtStart },
    settings: { warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS, cards: CARD_COUNT, store: 'sqlite' },
    scenarios: results.map((r) => ({
      name: r.name,
      connections: r.connections,
      durationSeconds: Number(r.durationSeconds.toFixed(2)),
      requests: r.requests,
      requestsPerSecond: Number(r.rps.toFixed(1)),
      latencyMs: { p50: r.p50Ms, p99: r.p99Ms, mean: Number(r.meanMs.toFixed(2)), max: r.maxMs },
      errors: r.errors,
      non2xx: r.non2xx,
      connectionErrors: r.connectionErrors,
      statusCodes: r.statusCodes,
      floorRps: r.floorRps,
      pass: r.pass,
      serverCpuPercent: r.serverCpuPercent === null ? null : Number(r.serverCpuPercent.toFixed(1)),
      serverCpuMsPerRequest: r.serverCpuMsPerRequest === null ? null : Number(r.serverCpuMsPerRequest.toFixed(3)),
      benchCpuPercent: Number(r.benchCpuPercent.toFixed(1)),
      otherCpuPercent: r.otherCpuPercent === null ? null : Number(r.otherCpuPercent.toFixed(1)),
      serverPeakRssMbAfter: r.serverPeakRssMbAfter === null ? null : Number(r.serverPeakRssMbAfter.toFixed(1)),
      ...(r.note ? { note: r.note } : {}),
    })),
    serverRss: {
      peakMb: Number(rssMb.toFixed(1)),
      vmHwmMb: hwmBytes === undefined ? null : Number((hwmBytes / MB).toFixed(1)),
      sampledMaxVmRssMb: Number((sampledMaxBytes / MB).toFixed(1)),
      ceilingMb: RSS_CEILING_MB,
      pass: rssMb <= RSS_CEILING_MB,
    },
    cardGeneration: { count: generation.count, seconds: Number((generation.ms / 1000).toFixed(1)), threads: generation.threads },
    primitives: {
      pgpDecryptMs: {
        mean: Number(micro.pgpDecrypt.meanMs.toFixed(3)),
        p50: Number(micro.pgpDecrypt.p50Ms.toFixed(3)),
        p99: Number(micro.pgpDecrypt.p99Ms.toFixed(3)),
      },
      pgpEncryptMs: { mean: Number(micro.pgpEncrypt.meanMs.toFixed(3)) },
      scryptVerifyMs: { mean: Number(micro.scryptVerify.meanMs.toFixed(2)) },
    },
    serverWarnLines: serverLines,
    stopUnderLoad: { seconds: Number(stop.stopSeconds.toFixed(2)), connections: stop.connections, exitCode: stop.exit?.code ?? null },
    fairness,
  };
  log('BENCH_JSON=' + JSON.stringify(json));
  return 0;
}

// ---- lifecycle: never leave the server running ----------------------------------------------------------------

let activeServer: ServerProcess | undefined;

process.on('exit', () => activeServer?.killNow());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the server\n`);
    const server = activeServer;
    activeServer = undefined;
    const code = signal === 'SIGINT' ? 130 : 143;
    if (!server) process.exit(code);
    server.stop(2000).finally(() => process.exit(code));
  });
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    const server = activeServer;
    activeServer = undefined;
    if (server) {
      if (server.output.length) process.stderr.write(`server output (last lines):\n${server.output.slice(-20).join('\n')}\n`);
      await server.stop(2000).catch(() => server.killNow());
    }
    process.exit(1);
  },
);
