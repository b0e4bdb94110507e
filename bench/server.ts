/**
 * The server under test, as a child process (`node dist/src/cli/main.js serve`) on a fresh temporary data dir and
 * SQLite store, plus what the bench reads about it from /proc: memory (VmHWM / VmRSS) and CPU time.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench/server.js → package root. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface ServerProcess {
  baseUrl: string;
  pid: number;
  adminToken: string;
  dataDir: string;
  /** Lines the server wrote to stdout/stderr (log level warn: anything here is worth a look). Capped. */
  output: string[];
  /** Total number of output lines, including those beyond the cap. */
  outputLines(): number;
  /** Set once the process has exited. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves or rejects when the process exits unexpectedly; rejects with a crash error. Never resolves otherwise. */
  crashed: Promise<never>;
  /** SIGTERM, then SIGKILL after `graceMs`; removes the data dir. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort for process 'exit' handlers. */
  killNow(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolvePort(port) : reject(new Error('no free port'))));
    });
  });
}

const MAX_KEPT_LINES = 200;

export async function startServer(): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  const adminToken = randomBytes(32).toString('base64url');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    TESSERA_DATA_DIR: dataDir,
    TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}`,
    TESSERA_MASTER_KEY: randomBytes(32).toString('base64'),
    TESSERA_ADMIN_TOKEN: adminToken,
    TESSERA_LOG_LEVEL: 'warn',
    // The benchmark drives one credential from one address far above any production limit: limits off.
    TESSERA_RATE_LIMIT_PER_ADDRESS: '0',
    TESSERA_RATE_LIMIT_PER_CREDENTIAL: '0',
    // The issuer scenarios provision their tokens through the sandbox, which production mode leaves off.
    TESSERA_SANDBOX: 'on',
    // The webhook receiver of the delivery figures (webhook-delivery.ts) listens on loopback.
    TESSERA_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  };
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [CLI, 'serve'], { cwd: PACKAGE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  const output: string[] = [];
  let lines = 0;
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines++;
      if (output.length < MAX_KEPT_LINES) output.push(line);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stopping = false;
  let rejectCrash: (error: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (rejectCrash = reject));
  crashed.catch(() => {}); // observed by whoever races on it
  const exitedPromise = new Promise<void>((resolveExit) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      if (!stopping) {
        const tail = output.slice(-20).join('\n');
        rejectCrash(new Error(`server process exited unexpectedly (code ${code}, signal ${signal})${tail ? `; last output:\n${tail}` : ''}`));
      }
      resolveExit();
    });
  });
  child.once('error', (error) => rejectCrash(error));

  let cleaned = false;
  const removeDataDir = () => {
    if (cleaned) return;
    cleaned = true;
    rmSync(dataDir, { recursive: true, force: true });
  };

  const server: ServerProcess = {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    adminToken,
    dataDir,
    output,
    outputLines: () => lines,
    exited: () => exitInfo,
    crashed,
    async stop(graceMs = 5000) {
      stopping = true;
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exitedPromise;
        clearTimeout(timer);
      }
      removeDataDir();
    },
    killNow() {
      stopping = true;
      if (!exitInfo) child.kill('SIGKILL');
      removeDataDir();
    },
  };

  try {
    await Promise.race([waitForHealth(server.baseUrl, 30_000), crashed]);
  } catch (error) {
    server.killNow();
    throw error;
  }
  return server;
}

async function waitForHealth(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      last = new Error(`/health answered ${response.status}`);
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

// ---- /proc readings -------------------------------------------------------------------------------------------

/** A `kB` field of /proc/<pid>/status, in bytes; undefined when the process or field is gone. */
export function procStatusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds consumed so far by `pid` (all its threads), from /proc/<pid>/stat. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `intervalMs` and keeps the maximum (cross-check for VmHWM). */
export function sampleRss(pid: number, intervalMs = 500): { max(): number; stop(): void } {
  let max = procStatusBytes(pid, 'VmRSS') ?? 0;
  const timer = setInterval(() => {
    const rss = procStatusBytes(pid, 'VmRSS');
    if (rss !== undefined && rss > max) max = rss;
  }, intervalMs);
  timer.unref();
  return { max: () => max, stop: () => clearInterval(timer) };
}

/** Machine-wide busy CPU seconds (all cores, from /proc/stat), to tell how much other processes took. */
export function machineBusyCpuSeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('cpu '));
    if (!line) return undefined;
    // user nice system idle iowait irq softirq steal …
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / ticksPerSecond();
  } catch {
    return undefined;
  }
}
