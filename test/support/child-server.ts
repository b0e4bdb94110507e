/**
 * Real child processes for the reliability tests, run from the TypeScript sources (no build): `tessera serve`,
 * `tessera network-sim` and one-shot CLI commands (`tessera reconcile`). A server child is awaited until it
 * answers, can be killed with SIGKILL (nothing flushed, nothing closed: a crash) or stopped with SIGTERM, and
 * restarted on the same database, port and keys. Each child gets a clean environment: only what it is told.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseConfig } from '../../src/config.js';
import { reservePort } from './issuer.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = ['--import', './test/support/ts-loader.mjs', 'src/cli/main.ts'];

/** How long a child may take to start listening: only a guard against hanging forever (a loaded machine is slow). */
const START_ATTEMPTS = 1200;
const START_POLL_MS = 100;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The URL form of a database configuration (what TESSERA_DATABASE_URL and `--database` take). */
export function databaseUrl(config: DatabaseConfig): string {
  return config.engine === 'sqlite' ? `sqlite:${config.path}` : config.url;
}

function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...vars };
}

interface Collected {
  output: () => string;
  exited: Promise<RunResult>;
}

function collect(child: ChildProcess): Collected {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { output: () => stdout + stderr, exited };
}

/** Runs `tessera <args>` from the sources to its end. */
export function runCli(args: string[], vars: Record<string, string>): Promise<RunResult> {
  const child = spawn(process.execPath, [...ENTRY, ...args], { cwd: ROOT, env: childEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child).exited;
}

/** A long-running child (`serve`, `network-sim`) that can be crashed, stopped and started again alike. */
export interface ChildProcessHandle {
  readonly url: string;
  readonly port: number;
  /** Its environment (what a restart reuses). */
  readonly env: Record<string, string>;
  /** stdout and stderr so far, of the current process. */
  output(): string;
  /** SIGKILL: the process dies at once, mid-request, without closing anything. */
  kill9(): Promise<void>;
  /** SIGTERM, and waits for it to exit. */
  stop(): Promise<void>;
  /**
   * Starts the same command again (same port, environment, database), waiting until it answers. `changes` are
   * merged into its environment first (a rolling restart onto new keys; Tessera reads an empty value as unset).
   */
  restart(changes?: Record<string, string>): Promise<void>;
}

interface SpawnSpec {
  args: string[];
  env: Record<string, string>;
  port: number;
  /** Whether the child answers yet (any HTTP answer, or a specific one). */
  ready(url: string): Promise<boolean>;
}

async function startProcess(spec: SpawnSpec): Promise<ChildProcessHandle> {
  const url = `http://127.0.0.1:${spec.port}`;
  let child: ChildProcess;
  let collected: Collected;
  let alive = false;

  async function launch(): Promise<void> {
    child = spawn(process.execPath, [...ENTRY, ...spec.args], { cwd: ROOT, env: childEnv(spec.env), stdio: ['ignore', 'pipe', 'pipe'] });
    collected = collect(child);
    alive = true;
    let exitedEarly = false;
    void collected.exited.then(() => {
      alive = false;
      exitedEarly = true;
    });
    for (let attempt = 0; ; attempt++) {
      if (exitedEarly) throw new Error(`tessera ${spec.args[0]} exited before answering:\n${collected.output()}`);
      if (await spec.ready(url).catch(() => false)) return;
      if (attempt >= START_ATTEMPTS) {
        child.kill('SIGKILL');
        throw new Error(`tessera ${spec.args[0]} never answered:\n${collected.output()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, START_POLL_MS));
    }
  }

  async function end(signal: NodeJS.Signals): Promise<void> {
    if (!alive) return;
    child.kill(signal);
    await collected.exited;
  }

  await launch();
  return {
    url,
    port: spec.port,
    env: spec.env,
    output: () => collected.output(),
    kill9: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    async restart(changes) {
      await end('SIGKILL');
      Object.assign(spec.env, changes);
      await launch();
    },
  };
}

export interface ChildServer extends ChildProcessHandle {
  adminToken: string;
}

export interface ChildServerOptions {
  database: DatabaseConfig;
  /** Extra environment (TESSERA_NETWORK_URL, timeouts…); master key, admin token and data dir are generated. */
  env?: Record<string, string>;
  port?: number;
}

/** `tessera serve` from the sources, on a database of the test's choosing. */
export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const port = options.port ?? (await reservePort());
  const env: Record<string, string> = {
    PORT: String(port),
    TESSERA_DATABASE_URL: databaseUrl(options.database),
    TESSERA_MASTER_KEY: randomBytes(32).toString('base64'),
    TESSERA_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-child-')),
    TESSERA_LOG_LEVEL: 'warn',
    ...options.env,
  };
  const handle = await startProcess({
    args: ['serve'],
    env,
    port,
    ready: async (url) => (await fetch(`${url}/health`)).ok,
  });
  return { ...handle, adminToken: env.TESSERA_ADMIN_TOKEN! };
}

export interface ChildNetworkOptions {
  /** Tessera's base URL, for decisions and notifications. */
  issuerUrl: string;
  secret: string;
  /** Keep the network's state in this database (survives a restart); in memory otherwise. */
  database?: DatabaseConfig;
  port?: number;
  env?: Record<string, string>;
}

/** `tessera network-sim` from the sources, as its own process. */
export async function startChildNetwork(options: ChildNetworkOptions): Promise<ChildProcessHandle> {
  const port = options.port ?? (await reservePort());
  const args = ['network-sim', '--port', String(port), '--issuer-url', options.issuerUrl];
  if (options.database) args.push('--database', databaseUrl(options.database));
  return startProcess({
    args,
    env: { TESSERA_NETWORK_SECRET: options.secret, TESSERA_LOG_LEVEL: 'warn', ...options.env },
    port,
    // Any answer means it listens (an unknown route answers 404 in the wire envelope).
    ready: async (url) => (await fetch(`${url}/`, { headers: { authorization: `Bearer ${options.secret}` } })).status > 0,
  });
}
