/**
 * The built CLI (`dist/src/cli/main.js`), run as an operator would: separate processes, configuration from the
 * environment only, a SQLite file in a temp data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { encryptCard } from '../../src/client/encrypt-card.js';
import { verifySecret } from '../../src/vault/secrets.js';
import { request } from '../support/http.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A clean environment: only what the CLI is told, never the test runner's own variables (NODE_ENV=test…). */
function cliEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...vars };
}

function runCli(args: string[], vars: Record<string, string>): Promise<RunResult> {
  return collect(spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: cliEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs a command expected to succeed with `--json` and returns its stdout as JSON (fails on anything else on stdout). */
async function runJson<T = any>(args: string[], vars: Record<string, string>): Promise<T> {
  const result = await runCli([...args, '--json'], vars);
  expect(result.code, `tessera ${args.join(' ')} failed: ${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout) as T;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

function newDataDir(): Record<string, string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  // A sqlite: path must be in a directory that exists (only the data directory itself is created).
  mkdirSync(join(dataDir, 'db'));
  return { TESSERA_DATA_DIR: dataDir, TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'db', 'tessera.db')}` };
}

function openDb(vars: Record<string, string>): SQLite.Database {
  return new SQLite(vars.TESSERA_DATABASE_URL!.slice('sqlite:'.length), { readonly: true });
}

beforeAll(async () => {
  // Always build, so the CLI under test is the current sources (as `npm test` does before running vitest). Only
  // the CLI's own import graph is compiled, with the project's compiler options: a type error in an unrelated
  // test file must not fail the CLI's tests (the full `tsc -p tsconfig.json` is the typecheck's job).
  const configDir = mkdtempSync(join(tmpdir(), 'tessera-cli-build-'));
  const configPath = join(configDir, 'tsconfig.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: ROOT, outDir: join(ROOT, 'dist'), typeRoots: [join(ROOT, 'node_modules', '@types')] },
      // The decryption worker is started by URL, not imported, so it is not in main.ts's import graph: listed here.
      files: [join(ROOT, 'src', 'cli', 'main.ts'), join(ROOT, 'src', 'vault', 'decrypt-worker.ts')],
      include: [],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = await collect(spawn(process.execPath, [tsc, '-p', configPath], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  if (build.code !== 0) throw new Error(`building the CLI failed:\n${build.stdout}${build.stderr}`);
  expect(statSync(CLI).mtimeMs).toBeGreaterThanOrEqual(statSync(configPath).mtimeMs);
}, 300_000);

describe('tessera CLI admin commands', () => {
  const vars = newDataDir();
  let merchantId: string;
  let apiKey: { id: string; secret: string };
  let scopeId: string;
  let alias: string;
  let publicKey: string;

  it('refuses every admin command before init: no vault is created by accident', async () => {
    for (const args of [
      ['merchant', 'create', '--name', 'Too early'],
      ['merchant', 'list'],
      ['rotate-data-key', '--merchant', 'x'],
    ]) {
      const refused = await runCli(args, vars);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toContain('tessera init');
      expect(refused.stdout).toBe('');
    }
    expect(existsSync(join(vars.TESSERA_DATA_DIR!, 'master.key'))).toBe(false);
    expect(existsSync(vars.TESSERA_DATABASE_URL!.slice('sqlite:'.length))).toBe(false);
  });

  it('init creates the vault (secrets 0600, admin token shown once on stdout, database migrated), refuses a second time; migrate is idempotent', async () => {
    const first = await runCli(['init', '--json'], vars);
    expect(first.code, first.stderr).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(existsSync(vars.TESSERA_DATABASE_URL!.slice('sqlite:'.length))).toBe(true);

    const tokenFile = join(vars.TESSERA_DATA_DIR!, 'admin.token');
    const keyFile = join(vars.TESSERA_DATA_DIR!, 'master.key');
    for (const file of [tokenFile, keyFile]) expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(created).toMatchObject({ admin_token: token, admin_token_file: tokenFile, master_key_file: keyFile, engine: 'sqlite', migrated: true });
    expect(first.stderr).not.toContain(token);
    expect(first.stdout + first.stderr).not.toContain(readFileSync(keyFile, 'utf8').trim());

    const again = await runCli(['init'], vars);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);

    expect(await runJson(['migrate'], vars)).toEqual({ migrated: true, engine: 'sqlite' });
    const second = await runCli(['migrate'], vars);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('migrated');
    expect(second.stderr).not.toContain(token);
  });

  it('merchant create --name prints the merchant id and an API key whose secret is stored only hashed', async () => {
    const created = await runJson(['merchant', 'create', '--name', 'CLI Shop'], vars);
    expect(created.merchant_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.api_key.id).toMatch(/^ak_[0-9a-f]{24}$/);
    expect(typeof created.api_key.secret).toBe('string');
    merchantId = created.merchant_id;
    apiKey = created.api_key;

    const db = openDb(vars);
    try {
      expect(db.prepare('select name from merchants where id = ?').get(merchantId)).toEqual({ name: 'CLI Shop' });
      const row = db.prepare('select merchant_id, secret_hash from api_keys where id = ?').get(apiKey.id) as { merchant_id: string; secret_hash: string };
      expect(row.merchant_id).toBe(merchantId);
      expect(row.secret_hash).not.toContain(apiKey.secret);
      expect(await verifySecret(apiKey.secret, row.secret_hash)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('merchant create without --name fails with a usage error', async () => {
    const result = await runCli(['merchant', 'create'], vars);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--name');
    expect(result.stdout).toBe('');
  });

  it('token-scope --merchant --name web --ttl-days 30 creates the scope', async () => {
    const created = await runJson(['token-scope', '--merchant', merchantId, '--name', 'web', '--ttl-days', '30'], vars);
    expect(created.token_scope).toMatch(/^[0-9a-f-]{36}$/);
    scopeId = created.token_scope;
    const db = openDb(vars);
    try {
      expect(db.prepare('select merchant_id, name, token_ttl_days, network_tokens, par from token_scopes where id = ?').get(scopeId)).toEqual({
        merchant_id: merchantId,
        name: 'web',
        token_ttl_days: 30,
        network_tokens: 0,
        par: 0,
      });
    } finally {
      db.close();
    }
  });

  it('token-scope refuses a bad --ttl-days and an unknown merchant', async () => {
    const badTtl = await runCli(['token-scope', '--merchant', merchantId, '--name', 'web', '--ttl-days', '0'], vars);
    expect(badTtl.code).not.toBe(0);
    expect(badTtl.stderr).toContain('positive whole number');
    const unknown = await runCli(['token-scope', '--merchant', '00000000-0000-4000-8000-000000000000', '--name', 'web'], vars);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('merchant not found');
    expect(unknown.stdout).toBe('');
  });

  it('capture-key create prints the public half only; capture-key list shows it', async () => {
    const created = await runJson(['capture-key', 'create', '--merchant', merchantId], vars);
    expect(created.public_key_alias).toMatch(/^pk_[0-9a-f]{20}$/);
    expect(created.algorithm).toBe('curve25519');
    expect(Buffer.from(created.public_key, 'base64').toString('utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(JSON.stringify(created)).not.toMatch(/PRIVATE KEY/);
    alias = created.public_key_alias;
    publicKey = created.public_key;

    const listed = await runJson(['capture-key', 'list', '--merchant', merchantId], vars);
    expect(listed.public_keys).toEqual([created]);

    const db = openDb(vars);
    try {
      const row = db.prepare('select private_key_sealed, key_version from capture_keys where alias = ?').get(alias) as {
        private_key_sealed: string;
        key_version: number;
      };
      expect(row.key_version).toBe(1);
      expect(row.private_key_sealed).not.toContain('PRIVATE KEY');
      expect(Buffer.from(row.private_key_sealed, 'base64').toString('latin1')).not.toContain('PRIVATE KEY');
    } finally {
      db.close();
    }
  });

  it('capture-key create refuses an unknown algorithm', async () => {
    const result = await runCli(['capture-key', 'create', '--merchant', merchantId, '--algorithm', 'dsa'], vars);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('invalid input');
    expect(result.stderr).toContain('algorithm');
  });

  it('rotate-data-key adds a data key version each time', async () => {
    expect(await runJson(['rotate-data-key', '--merchant', merchantId], vars)).toEqual({ merchant_id: merchantId, data_key_version: 2 });
    expect(await runJson(['rotate-data-key', '--merchant', merchantId], vars)).toEqual({ merchant_id: merchantId, data_key_version: 3 });
    const db = openDb(vars);
    try {
      const versions = db
        .prepare("select version from data_keys where owner = ? and purpose = 'data' order by version")
        .all(`merchant:${merchantId}`)
        .map((r) => (r as { version: number }).version);
      expect(versions).toEqual([1, 2, 3]);
    } finally {
      db.close();
    }
  });

  it('serve: answers /health and the admin API with the generated token, tokenizes with a pre-rotation capture key, stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'serve'], {
      cwd: ROOT,
      env: cliEnv({ ...vars, PORT: String(port), TESSERA_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = collect(child);
    let exitedEarly = false;
    void exited.then(() => (exitedEarly = true));
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      // Wait until it listens (or dies). The bound is only a guard against hanging forever.
      for (let attempt = 0; ; attempt++) {
        if (exitedEarly) throw new Error(`serve exited before listening: ${(await exited).stderr}`);
        const health = await fetch(`${baseUrl}/health`).catch(() => undefined);
        if (health?.ok) {
          expect(await health.json()).toEqual({ status: 'ok' });
          break;
        }
        if (attempt > 600) throw new Error('serve never answered /health');
        await new Promise((r) => setTimeout(r, 100));
      }

      const adminToken = readFileSync(join(vars.TESSERA_DATA_DIR!, 'admin.token'), 'utf8').trim();
      const unauthorized = await request(baseUrl, 'GET', `/admin/v1/merchants/${merchantId}/capture-keys`);
      expect(unauthorized.status).toBe(401);
      const wrong = await request(baseUrl, 'GET', `/admin/v1/merchants/${merchantId}/capture-keys`, { bearer: adminToken.slice(0, -1) + 'x' });
      expect(wrong.status).toBe(401);

      const listed = await request(baseUrl, 'GET', `/admin/v1/merchants/${merchantId}/capture-keys`, { bearer: adminToken });
      expect(listed.status).toBe(200);
      expect(listed.body.public_keys.map((k: { public_key_alias: string }) => k.public_key_alias)).toEqual([alias]);
      const another = await request(baseUrl, 'POST', '/admin/v1/merchants', { bearer: adminToken, body: { name: 'Made over HTTP' } });
      expect(another.status).toBe(201);
      expect(another.body.merchant_id).toMatch(/^[0-9a-f-]{36}$/);

      // The capture key's private half was sealed under data key v1 before two rotations: it still opens, and
      // the new card record is sealed under the newest version.
      const encrypted = await encryptCard(
        { cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2030, cvv: '123', cardholderName: 'Jane Doe' },
        publicKey,
      );
      const put = await request(baseUrl, 'PUT', '/oidc/api/v2/card', {
        basic: apiKey,
        body: { token_scope: scopeId, public_key_alias: alias, encrypted_card: encrypted },
      });
      expect(put.status, put.text).toBe(200);
      expect(put.text).not.toContain('4111111111111111');
      const db = openDb(vars);
      try {
        const row = db.prepare('select key_version, card_sealed from card_tokens where merchant_id = ?').get(merchantId) as {
          key_version: number;
          card_sealed: string;
        };
        expect(row.key_version).toBe(3);
        expect(row.card_sealed).not.toContain('4111111111111111');
      } finally {
        db.close();
      }
    } finally {
      if (!exitedEarly) child.kill('SIGTERM');
    }
    const result = await exited;
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    // The port is released.
    await expect(fetch(`${baseUrl}/health`)).rejects.toThrow();
  });

  it("account create, card and access-token set up an issuer account, with the admin API's checks", async () => {
    const created = await runJson(['account', 'create', '--program-id', '1234'], vars);
    expect(created).toMatchObject({ account_id: expect.any(Number), org_id: expect.stringMatching(/^TN-/), program_id: '1234' });
    for (const [option, value, field] of [
      ['--org-id', 'not-a-tenant', 'body.org_id'],
      ['--program-id', 'abc', 'body.program_id'],
    ]) {
      const refused = await runCli(['account', 'create', option!, value!], vars);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('invalid input');
      expect(refused.stderr).toContain(field);
    }
    const pan = '4895370012003478';
    const year = String(new Date().getUTCFullYear() + 2);
    const cardArgs = ['card', '--account', String(created.account_id), '--expiry-month', '12', '--expiry-year', year];
    const long = await runCli([...cardArgs, '--cardholder-name', 'X'.repeat(31)], { ...vars, TESSERA_CARD_PAN: pan });
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('body.cardholder_name');
    const card = await runJson([...cardArgs, '--cardholder-name', 'Jane Doe'], { ...vars, TESSERA_CARD_PAN: pan });
    expect(card).toEqual({ card_id: expect.any(Number) });
    expect(JSON.stringify(card)).not.toContain(pan);
    const token = await runJson(['access-token', '--account', String(created.account_id)], vars);
    expect(token).toMatchObject({ access_token: expect.stringMatching(/^eyJ/), expires_in: expect.any(Number) });
  });
});

describe('tessera CLI configuration errors', () => {
  it.each([{ args: ['init'] }, { args: ['merchant', 'create', '--name', 'X'] }, { args: ['serve'] }])(
    '$args with NODE_ENV=production and no master key exits 1 with a configuration error',
    async ({ args }) => {
      const vars = newDataDir();
      const result = await runCli(args, { ...vars, NODE_ENV: 'production', TESSERA_ADMIN_TOKEN: randomBytes(24).toString('base64url') });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('configuration error');
      expect(result.stderr).toContain('TESSERA_MASTER_KEY');
      expect(result.stdout).toBe('');
      // Nothing was generated or created.
      expect(existsSync(join(vars.TESSERA_DATA_DIR!, 'master.key'))).toBe(false);
      expect(existsSync(join(vars.TESSERA_DATA_DIR!, 'db', 'tessera.db'))).toBe(false);
    },
  );

  it('a malformed master key is reported without echoing it', async () => {
    const bad = randomBytes(16).toString('base64');
    const result = await runCli(['init'], { ...newDataDir(), TESSERA_MASTER_KEY: bad });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('configuration error');
    expect(result.stderr).toContain('TESSERA_MASTER_KEY');
    expect(result.stderr).not.toContain(bad);
  });

  it('network-sim refuses a --database that is neither sqlite: nor postgres://', async () => {
    const result = await runCli(['network-sim', '--port', '0', '--database', 'mysql://x'], {
      ...newDataDir(),
      TESSERA_NETWORK_SECRET: 'a-network-secret-of-some-length',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('configuration error');
    expect(result.stderr).toContain('--database must start with sqlite: or postgres://');
  });
});

describe('tessera CLI after a master key change', () => {
  it('re-wraps nothing implicitly: commands run on the new key with the old one as previous, and `tessera rewrap` then moves every data key', async () => {
    const vars = newDataDir();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const withOld = { ...vars, TESSERA_MASTER_KEY: oldKey, TESSERA_LOG_LEVEL: 'info' };
    // The vault: its database (the master key stays in the environment, so init writes none).
    expect((await runCli(['init'], withOld)).code).toBe(0);
    expect(existsSync(join(vars.TESSERA_DATA_DIR!, 'master.key'))).toBe(false);
    const { merchant_id: merchantId } = await runJson(['merchant', 'create', '--name', 'Rekeyed'], withOld);
    await runJson(['capture-key', 'create', '--merchant', merchantId], withOld);
    const masterKeyIds = () =>
      new Set(
        openDb(vars)
          .prepare('select master_key_id from data_keys')
          .all()
          .map((row) => (row as { master_key_id: string }).master_key_id),
      );
    const [oldId] = [...masterKeyIds()];

    // The new key without the old one: the data keys cannot be unwrapped, and the error says what to set.
    const missing = await runCli(['rotate-data-key', '--merchant', merchantId], { ...vars, TESSERA_MASTER_KEY: newKey, TESSERA_LOG_LEVEL: 'info' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('TESSERA_PREVIOUS_MASTER_KEYS');
    expect(missing.stderr).not.toContain(oldKey);
    expect(missing.stderr).not.toContain(newKey);

    const transition = { ...vars, TESSERA_MASTER_KEY: newKey, TESSERA_PREVIOUS_MASTER_KEYS: oldKey, TESSERA_LOG_LEVEL: 'info' };
    const rotated = await runCli(['rotate-data-key', '--merchant', merchantId, '--json'], transition);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual({ merchant_id: merchantId, data_key_version: 2 });
    // Starting a command with a new master key moved nothing: the existing data keys are still under the old key.
    expect(rotated.stderr).not.toContain('re-wrapped');
    expect(masterKeyIds().has(oldId!)).toBe(true);

    const rewrap = await runCli(['rewrap'], transition);
    expect(rewrap.code, rewrap.stderr).toBe(0);
    const summary = JSON.parse(rewrap.stdout);
    expect(summary).toMatchObject({ complete: true, remaining: 0, unreadable: 0, rewrapped: summary.before[oldId!] });
    expect(summary.rewrapped).toBeGreaterThan(0);
    expect(summary.after).toEqual({ [summary.current_master_key_id]: summary.before[oldId!] + summary.before[summary.current_master_key_id] });
    expect(rewrap.stderr).toContain(`progress: ${summary.rewrapped}/${summary.rewrapped} data keys re-wrapped`);
    for (const output of [rewrap.stdout, rewrap.stderr]) {
      expect(output).not.toContain(oldKey);
      expect(output).not.toContain(newKey);
    }
    expect(masterKeyIds()).toEqual(new Set([summary.current_master_key_id]));

    expect(await runJson(['rotate-data-key', '--merchant', merchantId], { ...vars, TESSERA_MASTER_KEY: newKey })).toEqual({
      merchant_id: merchantId,
      data_key_version: 3,
    });
    // Six CLI runs, each a process start: longer than the default on a loaded machine.
  }, 120_000);
});
