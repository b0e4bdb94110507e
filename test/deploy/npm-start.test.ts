/**
 * `npm start` as an operator runs it, with real processes: it serves on the given port, a second start does not
 * recompile, and SIGTERM to the npm process stops the server — the port closes and no process of the start is
 * left behind (with the old `npm run build && node …` script the server ran on, orphaned).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const started: ChildProcess[] = [];

afterEach(() => {
  // A failed test must not leave a server behind: end what this file started, by pid.
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) return reject(new Error('no port'));
      server.close(() => resolvePort(address.port));
    });
  });
}

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

/** Every descendant of `pid`, from `ps` (the npm → node tree of one start). */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Start {
  npm: ChildProcess;
  port: number;
  stderr: () => string;
}

async function npmStart(dataDir: string): Promise<Start> {
  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), TESSERA_DATA_DIR: dataDir, TESSERA_LOG_LEVEL: 'warn', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(npm);
  let stderr = '';
  npm.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  npm.stdout?.resume();
  for (;;) {
    if (npm.exitCode !== null) throw new Error(`npm start exited ${npm.exitCode}:\n${stderr}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/livez`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { npm, port, stderr: () => stderr };
}

async function stop(start: Start): Promise<{ code: number | null; tree: number[] }> {
  const tree = descendants(start.npm.pid!);
  expect(tree.length).toBeGreaterThan(0);
  const exited = once(start.npm, 'exit');
  start.npm.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return { code, tree };
}

describe('npm start', () => {
  it('serves, a second start does not recompile, and SIGTERM to npm stops the server with no orphan', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-start-'));

    const first = await npmStart(dataDir);
    const firstStop = await stop(first);
    expect(firstStop.code, first.stderr()).toBe(0);
    expect(await listening(first.port)).toBe(false);
    for (const pid of firstStop.tree) expect(alive(pid), `pid ${pid} of the first start still runs`).toBe(false);

    // Nothing changed since: no compile.
    const second = await npmStart(dataDir);
    expect(second.stderr()).not.toContain('tessera: compiling');
    const secondStop = await stop(second);
    expect(secondStop.code).toBe(0);
    expect(await listening(second.port)).toBe(false);
    for (const pid of secondStop.tree) expect(alive(pid), `pid ${pid} of the second start still runs`).toBe(false);
  }, 300_000);
});
