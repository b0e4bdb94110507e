/**
 * The CLI against a running server (a child `tessera serve`), as an operator uses it from anywhere: TESSERA_URL
 * and TESSERA_ADMIN_TOKEN only, no database. `--json` on stdout only, lists paginated and masked, revoke and
 * rotate, `tessera demo`, `--version`, completion, and a closed stdout (EPIPE) that neither crashes the command
 * nor loses a shown-once secret.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/engines.js';
import { ROOT, startChildServer, type ChildServer, type RunResult } from '../support/child-server.js';
import { buildCli } from '../support/cli-build.js';
import { EXPIRY, makePan } from '../support/issuer.js';

let CLI = '';

function run(args: string[], vars: Record<string, string>, stdout: 'pipe' | 'closed' = 'pipe'): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A reader gone before the CLI writes: `tessera … | head -c1`, deterministically.
  if (stdout === 'closed') child.stdout.destroy();
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
}
const runCli = (args: string[], vars: Record<string, string>) => run(args, vars);

describe('tessera CLI against a running server', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let server: ChildServer;
  let vars: Record<string, string>;

  beforeAll(async () => {
    CLI = await buildCli('cli-server-mode');
    database = freshDatabase('sqlite');
    server = await startChildServer({ database: database.config });
    // Deliberately no database and no data dir: everything goes through the admin API.
    vars = { TESSERA_URL: server.url, TESSERA_ADMIN_TOKEN: server.adminToken, TESSERA_DATA_DIR: join(tmpdir(), 'tessera-no-vault-here') };
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  async function json<T = any>(args: string[], extra: Record<string, string> = {}): Promise<T> {
    const result = await runCli([...args, '--json'], { ...vars, ...extra });
    expect(result.code, `tessera ${args.join(' ')}: ${result.stderr}`).toBe(0);
    // stdout is exactly one JSON document.
    return JSON.parse(result.stdout) as T;
  }

  it('--version prints the package version', async () => {
    const result = await runCli(['--version'], {});
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('administers merchants, API keys, token scopes and capture keys over the admin API', async () => {
    const created = await json(['merchant', 'create', '--name', 'Remote shop']);
    const merchant = created.merchant_id as string;
    expect(await json(['merchant', 'get', '--merchant', merchant])).toMatchObject({ merchant_id: merchant, name: 'Remote shop' });
    const listed = await json(['merchant', 'list', '--all']);
    expect(listed.items.map((m: { merchant_id: string }) => m.merchant_id)).toContain(merchant);

    const second = await json(['api-key', 'create', '--merchant', merchant]);
    const keys = await json(['api-key', 'list', '--merchant', merchant, '--limit', '1']);
    expect(keys.items).toHaveLength(1);
    expect(keys.next_cursor).toEqual(expect.any(String));
    const rest = await json(['api-key', 'list', '--merchant', merchant, '--cursor', keys.next_cursor]);
    expect([...keys.items, ...rest.items].map((k: { id: string }) => k.id).sort()).toEqual([created.api_key.id, second.id].sort());
    expect(JSON.stringify([keys, rest])).not.toContain(second.secret);
    const revoked = await runCli(['api-key', 'revoke', '--merchant', merchant, '--key', second.id], vars);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${second.id}`);
    const again = await runCli(['api-key', 'revoke', '--merchant', merchant, '--key', second.id], vars);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('api key not found');

    const scope = await json(['token-scope', '--merchant', merchant, '--name', 'web']);
    expect((await json(['token-scope', 'list', '--merchant', merchant])).items).toEqual([
      expect.objectContaining({ token_scope: scope.token_scope, name: 'web' }),
    ]);

    const key = await json(['capture-key', 'create', '--merchant', merchant]);
    expect(await json(['capture-key', 'get', '--merchant', merchant, '--alias', key.public_key_alias])).toEqual(key);
    const rotated = await json(['capture-key', 'rotate', '--merchant', merchant, '--alias', key.public_key_alias, '--revoke-old']);
    expect(rotated).toMatchObject({ replaces: key.public_key_alias, old_revoked: true, algorithm: 'curve25519' });
    expect((await json(['capture-key', 'list', '--merchant', merchant])).public_keys.map((k: { public_key_alias: string }) => k.public_key_alias)).toEqual([
      rotated.public_key_alias,
    ]);
    expect(await json(['data-key', 'rotate', '--merchant', merchant])).toEqual({ merchant_id: merchant, data_key_version: 2 });
  });

  it('lists accounts and cards masked, and prints tables by default', async () => {
    const account = await json(['account', 'create']);
    const pan = makePan('4895370');
    const card = await json(
      ['card', '--account', String(account.account_id), '--expiry-month', '12', '--expiry-year', String(EXPIRY.expiry_year), '--cardholder-name', 'Jane'],
      {
        TESSERA_CARD_PAN: pan,
      },
    );
    const cards = await json(['card', 'list', '--account', String(account.account_id)]);
    expect(cards.items).toEqual([expect.objectContaining({ card_id: card.card_id, bin: pan.slice(0, 6), last_four: pan.slice(-4) })]);
    const shown = await runCli(['card', 'get', '--account', String(account.account_id), '--card', String(card.card_id)], vars);
    expect(shown.stdout).toMatch(/^card_id:\s+\d+$/m);
    expect(shown.stdout + JSON.stringify(cards)).not.toContain(pan);
    const table = await runCli(['account', 'list', '--all'], vars);
    expect(table.stdout.split('\n')[0]).toMatch(/^account_id\s+org_id\s+program_id\s+status\s+created_at$/);
    expect(table.stdout).toContain(String(account.account_id));
  });

  it('human output puts a shown-once secret on the first line', async () => {
    const result = await runCli(['merchant', 'create', '--name', 'Secret first'], vars);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toMatch(/^api_key\.secret:\s+\S+$/);
  });

  it('a closed stdout (EPIPE) neither crashes the command nor loses the shown-once secret', async () => {
    const { code, stderr } = await run(['merchant', 'create', '--name', 'Piped', '--json'], vars, 'closed');
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error:/);
    expect(stderr).toContain('secret shown only once');
    expect(JSON.parse(stderr.slice(stderr.indexOf('{'))).api_key.secret).toEqual(expect.any(String));

    // Through a real shell pipe, with a long list: exit 0 and no crash report.
    const piped = await new Promise<RunResult>((resolve) => {
      const shell = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" merchant list --all | head -c1`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...vars },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
      shell.stderr.on('data', (c: Buffer) => (err += c.toString()));
      shell.once('close', (c, signal) => resolve({ code: c, signal, stdout: out, stderr: err }));
    });
    expect(piped.stdout).toBe('m');
    expect(piped.stderr).toBe('');
  });

  it('tessera demo runs both walk-throughs against the server and prints each step', async () => {
    const result = await runCli(['demo', '--json'], vars);
    expect(result.code, result.stderr).toBe(0);
    const steps = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(steps.map((s) => `${s.walkthrough}:${s.step}`)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => `merchant:${n}`),
      ...[8, 9, 10, 11, 12, 13, 14].map((n) => `issuer:${n}`),
    ]);
    expect(steps.find((s) => s.name.startsWith('PUT'))).toMatchObject({ last_four: '1111', token_status: 'ACTIVE' });
    expect(steps.find((s) => s.name.startsWith('PATCH'))).toMatchObject({ card_holder_name: 'J. Doe' });
    expect(steps.slice(-3).map((s) => s.status)).toEqual(['ACTIVE', 'SUSPENDED', 'ACTIVE']);
    expect(result.stdout).not.toContain('4111111111111111');
  });

  it('completion bash|zsh prints a script naming the commands; an unknown shell is refused', async () => {
    const bash = await runCli(['completion', 'bash'], {});
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -F _tessera tessera');
    expect(bash.stdout).toContain('"capture-key") words="create list get revoke rotate');
    const zsh = await runCli(['completion', 'zsh'], {});
    expect(zsh.stdout).toMatch(/^#compdef tessera/);
    const fish = await runCli(['completion', 'fish'], {});
    expect(fish.code).toBe(1);
  });

  it('an unreachable server is a clear error, not a vault created here', async () => {
    const result = await runCli(['merchant', 'list'], { ...vars, TESSERA_URL: 'http://127.0.0.1:9' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});
