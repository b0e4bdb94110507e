/**
 * Readiness (`/readyz`): whether this instance should get traffic. It runs every check at once, each bounded by a
 * timeout (a database that hangs must make readiness fail, not hang), and answers 200 when all passed or 503 with
 * the reason of each failure. Liveness (`/livez`, request-context.ts) only says the process answers.
 *
 * The checks are built from small interfaces (`{ ping() }`, `{ pending() }`) so this module knows nothing of
 * Kysely or the network gateway; main.ts hands over the real ones.
 */
import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable; rejects (with the reason) when it is not. */
  check(): Promise<void>;
}

export interface CheckResult {
  status: 'ok' | 'failed';
  durationMs: number;
  reason?: string;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, CheckResult>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2_000;
const MAX_REASON_LENGTH = 200;

/** A reason fit for an unauthenticated answer: one line, bounded, no credentials of a URL (`user:pw@`). */
export function safeReason(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  const oneLine = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1[REDACTED]@');
  return oneLine.length > MAX_REASON_LENGTH ? `${oneLine.slice(0, MAX_REASON_LENGTH - 1)}…` : oneLine || 'failed';
}

async function runOne(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // The check's own promise is raced, not cancelled: a late settlement is ignored (and a late rejection handled).
    const running = Promise.resolve().then(() => check.check());
    running.catch(() => undefined);
    await Promise.race([running, timeout]);
    return { status: 'ok', durationMs: elapsed(started) };
  } catch (error) {
    return { status: 'failed', durationMs: elapsed(started), reason: safeReason(error) };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;

export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((check) => runOne(check, timeoutMs)));
  const report: ReadinessReport = { status: 'ready', checks: {} };
  for (const [index, check] of checks.entries()) {
    const result = results[index] ?? { status: 'failed', durationMs: 0, reason: 'not run' };
    report.checks[check.name] = result;
    if (result.status === 'failed') report.status = 'not_ready';
  }
  return report;
}

export interface ReadinessOptions {
  /** Each check's bound, in milliseconds. */
  timeoutMs?: number;
}

/**
 * `GET /readyz`. Concurrent probes share one run of the checks, so a burst of probes (or a caller hammering the
 * unauthenticated endpoint) costs the database one ping, not one per request.
 */
export function addReadiness(app: FastifyInstance, checks: readonly ReadinessCheck[], options: ReadinessOptions = {}): void {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const names = new Set<string>();
  for (const check of checks) {
    if (names.has(check.name)) throw new Error(`readiness check "${check.name}" registered twice`);
    names.add(check.name);
  }
  let inFlight: Promise<ReadinessReport> | undefined;
  app.get('/readyz', async (_request, reply) => {
    inFlight ??= runChecks(checks, timeoutMs).finally(() => {
      inFlight = undefined;
    });
    const report = await inFlight;
    return reply.code(report.status === 'ready' ? 200 : 503).send(report);
  });
}

/** What the database check needs: one round trip (`select 1`). */
export interface Pingable {
  ping(): Promise<void>;
}

/** What the migrations check needs: the names of migrations not applied yet. */
export interface MigrationStatus {
  pending(): Promise<readonly string[]>;
}

export interface ReadinessDependencies {
  database: Pingable;
  migrations: MigrationStatus;
  /** The card network: the HTTP simulator or gateway when remote; omit (or always-ok) when in-process. */
  network?: Pingable;
}

/** The standard checks, in the order they are reported: database, migrations, network. */
export function readinessChecks(deps: ReadinessDependencies): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    { name: 'database', check: () => deps.database.ping() },
    {
      name: 'migrations',
      async check() {
        const pending = await deps.migrations.pending();
        if (pending.length > 0) throw new Error(`${pending.length} migration(s) not applied: ${pending.join(', ')}`);
      },
    },
  ];
  const network = deps.network;
  if (network) checks.push({ name: 'network', check: () => network.ping() });
  return checks;
}

/**
 * A `Pingable` for a service over HTTP (the network simulator, `tessera network-sim`): any HTTP answer means it is
 * reachable; a refused connection, a reset or no answer within `timeoutMs` does not.
 */
export function httpReachable(url: string, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS): Pingable {
  return {
    async ping() {
      try {
        const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
        await response.body?.cancel();
      } catch (error) {
        const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
        throw new Error(`${new URL(url).host} unreachable: ${safeReason(cause)}`);
      }
    },
  };
}
