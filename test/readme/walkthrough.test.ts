/**
 * The README's walk-throughs, copy-pasted by a machine: every fenced `sh` block whose first line is
 * `# walkthrough: <name>` runs, in README order, in one bash session (`set -euo pipefail`, so any failing curl or
 * jq fails the test) against `npm start` (scripts/start.mjs: builds when stale, then serves). Nothing is copied
 * by hand: the blocks themselves capture every value.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type RunResult } from '../support/child-server.js';
import { reservePort } from '../support/issuer.js';

/** The marked blocks of README.md, in order. */
function walkthroughBlocks(): Array<{ name: string; script: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```sh\n# walkthrough: ([a-z]+)\n([\s\S]*?)```/g)].map((m) => ({ name: m[1]!, script: m[2]! }));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('README walk-throughs against npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-readme-'));
  const adminToken = randomBytes(24).toString('base64url');
  let url = '';
  let server: ReturnType<typeof spawn> | undefined;
  let serverOutput = '';

  beforeAll(async () => {
    const port = await reservePort();
    url = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [join(ROOT, 'scripts', 'start.mjs')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: tmpdir(),
        PORT: String(port),
        TESSERA_DATA_DIR: dataDir,
        TESSERA_MASTER_KEY: randomBytes(32).toString('base64'),
        TESSERA_ADMIN_TOKEN: adminToken,
        TESSERA_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (c: Buffer) => (serverOutput += c.toString()));
    server.stderr?.on('data', (c: Buffer) => (serverOutput += c.toString()));
    let exited = false;
    server.once('close', () => (exited = true));
    // npm start may compile first: the bound is only a guard against hanging forever.
    for (let attempt = 0; ; attempt++) {
      if (exited) throw new Error(`npm start exited:\n${serverOutput}`);
      if ((await fetch(`${url}/livez`).catch(() => undefined))?.ok) break;
      if (attempt > 5000) throw new Error(`npm start never answered:\n${serverOutput}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 600_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const closed = new Promise((r) => server?.once('close', r));
      server.kill('SIGTERM');
      await closed;
    }
  });

  it('the README marks both walk-throughs', () => {
    const names = walkthroughBlocks().map((b) => b.name);
    expect(new Set(names)).toEqual(new Set(['merchant', 'issuer']));
  });

  it('every marked block runs in one shell, values captured by commands, and ends as the README says', async () => {
    const script = ['set -euo pipefail', ...walkthroughBlocks().map((b) => b.script)].join('\n');
    const result = await run('bash', ['-c', script], { PATH: process.env.PATH ?? '', HOME: tmpdir(), TESSERA: url, ADMIN: adminToken });
    expect(result.code, `${result.stdout}\n${result.stderr}\n${serverOutput}`).toBe(0);
    expect(result.stdout).toMatch(/^merchant [0-9a-f-]{36}, API key ak_[0-9a-f]{24}, scope [0-9a-f-]{36}, capture key pk_[0-9a-f]{20}$/m);
    expect(result.stdout).toContain('"token_status": "ACTIVE"');
    expect(result.stdout).toContain('{"card_holder_name":"J. Doe"}');
    expect(result.stdout.match(/^204$/gm)).toHaveLength(3);
    expect(result.stdout).toContain('{"status":"ACTIVE","devices":[{"device_id":"iphone-1","device_index":0,"status":"ACTIVE"}]}');
    expect(result.stdout.match(/^200$/gm)).toHaveLength(3);
    expect(result.stdout).toContain('{"network_ack":true}');
    expect(result.stdout).not.toContain('4111111111111111');
  }, 300_000);
});
