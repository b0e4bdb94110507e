import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'tessera-config-'));
const masterKeyB64 = () => randomBytes(32).toString('base64');
const adminToken = () => randomBytes(24).toString('base64url');

/** A complete, valid environment with secrets given (nothing generated, nothing written). */
function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { TESSERA_DATA_DIR: tempDir(), TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: adminToken(), ...overrides };
}

/** The ConfigError loadConfig throws for this environment (fails the test when it does not throw one). */
function configError(environment: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig defaults', () => {
  it('listens on 127.0.0.1:8080, logs at info, and keeps SQLite under the data dir', () => {
    const dataDir = tempDir();
    const masterKey = masterKeyB64();
    const token = adminToken();
    const config = loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token });
    expect(config.production).toBe(false);
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe(dataDir);
    expect(config.database).toEqual({ engine: 'sqlite', path: join(dataDir, 'tessera.db') });
    expect(config.masterKey.equals(Buffer.from(masterKey, 'base64'))).toBe(true);
    expect(config.previousMasterKeys).toEqual([]);
    expect(config.adminToken).toBe(token);
    expect(config.generated).toEqual({ adminToken: false, masterKey: false });
    expect(config.accountTokenTtlSeconds).toBe(600);
    expect(config.network.url).toBeUndefined();
    expect(config.network.timeoutMs).toBe(3000);
    expect(config.network.secret.length).toBeGreaterThanOrEqual(16);
    expect(config.externalJwtIssuer).toBeUndefined();
    expect(existsSync(config.binTablePath)).toBe(true);
    // Secrets were given: nothing is written to the data dir.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('the data dir defaults to ./data, and the database to ./data/tessera.db', () => {
    const config = loadConfig({ TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: adminToken() });
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.database).toEqual({ engine: 'sqlite', path: resolve('data', 'tessera.db') });
  });

  it('reads the documented variables', () => {
    const previous = [masterKeyB64(), masterKeyB64()];
    const config = loadConfig(
      env({
        PORT: '0',
        HOST: '0.0.0.0',
        TESSERA_LOG_LEVEL: 'debug',
        TESSERA_DATABASE_URL: 'postgresql://tessera:pw@db.example:5432/tessera?schema=prod',
        TESSERA_PREVIOUS_MASTER_KEYS: ` ${previous[0]} ,${previous[1]},`,
        TESSERA_NETWORK_URL: 'http://127.0.0.1:9090/',
        TESSERA_NETWORK_SECRET: 'a-network-secret-of-some-length',
      }),
    );
    expect(config.port).toBe(0);
    expect(config.host).toBe('0.0.0.0');
    expect(config.logLevel).toBe('debug');
    expect(config.database).toEqual({ engine: 'postgres', url: 'postgresql://tessera:pw@db.example:5432/tessera?schema=prod' });
    expect(config.previousMasterKeys.map((k) => k.toString('base64'))).toEqual(previous);
    expect(config.network).toEqual({ url: 'http://127.0.0.1:9090', secret: 'a-network-secret-of-some-length', timeoutMs: 3000 });
  });

  it('resolves a relative sqlite: path and keeps :memory:', () => {
    expect(loadConfig(env({ TESSERA_DATABASE_URL: 'sqlite:./some/dir/x.db' })).database).toEqual({
      engine: 'sqlite',
      path: resolve('some/dir/x.db'),
    });
    expect(loadConfig(env({ TESSERA_DATABASE_URL: 'sqlite::memory:' })).database).toEqual({ engine: 'sqlite', path: ':memory:' });
  });
});

describe('loadConfig in production', () => {
  it('a missing TESSERA_MASTER_KEY is a ConfigError naming the variable, and nothing is generated', () => {
    const dataDir = tempDir();
    for (const missing of [undefined, '']) {
      const error = configError({ NODE_ENV: 'production', TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_TOKEN: adminToken(), TESSERA_MASTER_KEY: missing });
      expect(error.message).toContain('TESSERA_MASTER_KEY');
      expect(error.message).toMatch(/required/);
    }
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it.each([
    ['not base64', 'this is not base64 at all!!'],
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['hex instead of base64', randomBytes(32).toString('hex')],
    ['base64url alphabet', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['trailing newline', masterKeyB64() + '\n'],
  ])('a malformed TESSERA_MASTER_KEY (%s) is a ConfigError naming the variable but not the value', (_label, value) => {
    const error = configError({ NODE_ENV: 'production', TESSERA_DATA_DIR: tempDir(), TESSERA_ADMIN_TOKEN: adminToken(), TESSERA_MASTER_KEY: value });
    expect(error.message).toContain('TESSERA_MASTER_KEY');
    expect(error.message).toContain('32 bytes');
    expect(error.message).not.toContain(value.trim());
  });

  it('a missing TESSERA_ADMIN_TOKEN is a ConfigError naming the variable, and nothing is generated', () => {
    const dataDir = tempDir();
    const error = configError({ NODE_ENV: 'production', TESSERA_DATA_DIR: dataDir, TESSERA_MASTER_KEY: masterKeyB64() });
    expect(error.message).toContain('TESSERA_ADMIN_TOKEN');
    expect(error.message).toMatch(/required/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('ignores development secret files: production never falls back to them', () => {
    const dataDir = tempDir();
    loadConfig({ TESSERA_DATA_DIR: dataDir }); // development: generates master.key and admin.token
    expect(readdirSync(dataDir).sort()).toEqual(['admin.token', 'master.key']);
    expect(configError({ NODE_ENV: 'production', TESSERA_DATA_DIR: dataDir }).message).toContain('TESSERA_MASTER_KEY');
    expect(configError({ NODE_ENV: 'production', TESSERA_DATA_DIR: dataDir, TESSERA_MASTER_KEY: masterKeyB64() }).message).toContain('TESSERA_ADMIN_TOKEN');
  });

  it('with both secrets given it loads, marked as production, generating nothing', () => {
    const dataDir = tempDir();
    const config = loadConfig({ NODE_ENV: 'production', TESSERA_DATA_DIR: dataDir, TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: adminToken() });
    expect(config.production).toBe(true);
    expect(config.generated).toEqual({ adminToken: false, masterKey: false });
    expect(readdirSync(dataDir)).toEqual([]);
  });
});

describe('loadConfig in development', () => {
  it('generates the master key and admin token once into the data dir (mode 0600) and reuses them', () => {
    const dataDir = join(tempDir(), 'nested', 'data'); // created on demand
    const first = loadConfig({ TESSERA_DATA_DIR: dataDir });
    expect(first.generated).toEqual({ adminToken: true, masterKey: true });
    expect(first.masterKey).toHaveLength(32);
    expect(first.adminToken.length).toBeGreaterThanOrEqual(24);

    const keyFile = join(dataDir, 'master.key');
    const tokenFile = join(dataDir, 'admin.token');
    for (const file of [keyFile, tokenFile]) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(first.masterKey.toString('base64'));
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(first.adminToken);

    const second = loadConfig({ TESSERA_DATA_DIR: dataDir });
    expect(second.generated).toEqual({ adminToken: false, masterKey: false });
    expect(second.masterKey.equals(first.masterKey)).toBe(true);
    expect(second.adminToken).toBe(first.adminToken);

    // Another data dir gets other secrets.
    const elsewhere = loadConfig({ TESSERA_DATA_DIR: tempDir() });
    expect(elsewhere.masterKey.equals(first.masterKey)).toBe(false);
    expect(elsewhere.adminToken).not.toBe(first.adminToken);
  });

  it('variables given in the environment win over the files and generate nothing', () => {
    const dataDir = tempDir();
    loadConfig({ TESSERA_DATA_DIR: dataDir });
    const masterKey = masterKeyB64();
    const token = adminToken();
    const config = loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token });
    expect(config.masterKey.toString('base64')).toBe(masterKey);
    expect(config.adminToken).toBe(token);
    expect(config.generated).toEqual({ adminToken: false, masterKey: false });
  });

  it('a corrupt master.key file is a ConfigError naming the file, not its content', () => {
    const dataDir = tempDir();
    const content = randomBytes(16).toString('base64');
    writeFileSync(join(dataDir, 'master.key'), content + '\n', { mode: 0o600 });
    const error = configError({ TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_TOKEN: adminToken() });
    expect(error.message).toContain(join(dataDir, 'master.key'));
    expect(error.message).not.toContain(content);
  });
});

describe('loadConfig rejects bad values with a ConfigError naming the variable', () => {
  it.each(['abc', '-1', '65536', '80.5', '0x50', ' 80', '1e3'])('PORT=%j', (port) => {
    expect(configError(env({ PORT: port })).message).toMatch(/^PORT /);
  });

  it.each(['mysql://user:pw@localhost/db', 'postgres:/missing-slashes', 'sqlite:', 'file:./tessera.db', './tessera.db', 'postgres://user:pw@[not-an-ipv6/db'])(
    'TESSERA_DATABASE_URL=%j',
    (url) => {
      const error = configError(env({ TESSERA_DATABASE_URL: url }));
      expect(error.message).toContain('TESSERA_DATABASE_URL');
      expect(error.message).not.toContain('user:pw');
    },
  );

  it.each(['short', 'x'.repeat(23), 'has a space in it and is long enough', 'tab\tseparated-but-long-enough-token'])(
    'TESSERA_ADMIN_TOKEN too short or with spaces (%j)',
    (token) => {
      const error = configError(env({ TESSERA_ADMIN_TOKEN: token }));
      expect(error.message).toContain('TESSERA_ADMIN_TOKEN');
      expect(error.message).toContain('24');
      expect(error.message).not.toContain(token);
    },
  );

  it('accepts an admin token of exactly 24 characters', () => {
    expect(loadConfig(env({ TESSERA_ADMIN_TOKEN: 'y'.repeat(24) })).adminToken).toBe('y'.repeat(24));
  });

  it.each(['verbose', 'INFO', 'warning', 'all'])('TESSERA_LOG_LEVEL=%j', (level) => {
    expect(configError(env({ TESSERA_LOG_LEVEL: level })).message).toContain('TESSERA_LOG_LEVEL');
  });

  it('TESSERA_NETWORK_URL without TESSERA_NETWORK_SECRET', () => {
    const error = configError(env({ TESSERA_NETWORK_URL: 'http://127.0.0.1:9090' }));
    expect(error.message).toContain('TESSERA_NETWORK_SECRET');
    expect(error.message).toContain('TESSERA_NETWORK_URL');
  });

  it('a TESSERA_NETWORK_SECRET shorter than 16 characters, without echoing it', () => {
    const secret = 'tiny-secret-15c';
    const error = configError(env({ TESSERA_NETWORK_URL: 'http://127.0.0.1:9090', TESSERA_NETWORK_SECRET: secret }));
    expect(error.message).toContain('TESSERA_NETWORK_SECRET');
    expect(error.message).not.toContain(secret);
  });

  it.each(['ftp://sim.example', 'not a url', 'file:///etc/passwd'])('TESSERA_NETWORK_URL=%j', (url) => {
    const error = configError(env({ TESSERA_NETWORK_URL: url, TESSERA_NETWORK_SECRET: 'long-enough-network-secret' }));
    expect(error.message).toContain('TESSERA_NETWORK_URL');
  });

  it('a malformed TESSERA_PREVIOUS_MASTER_KEYS entry, without echoing it', () => {
    const bad = randomBytes(20).toString('base64');
    const error = configError(env({ TESSERA_PREVIOUS_MASTER_KEYS: `${masterKeyB64()},${bad}` }));
    expect(error.message).toContain('TESSERA_PREVIOUS_MASTER_KEYS');
    expect(error.message).not.toContain(bad);
  });

  it('a TESSERA_BIN_TABLE that does not exist', () => {
    expect(configError(env({ TESSERA_BIN_TABLE: join(tempDir(), 'missing.csv') })).message).toContain('TESSERA_BIN_TABLE');
  });

  it.each([
    ['TESSERA_ACCOUNT_TOKEN_TTL_SECONDS', '29'],
    ['TESSERA_ACCOUNT_TOKEN_TTL_SECONDS', '86401'],
    ['TESSERA_NETWORK_TIMEOUT_MS', '5'],
    ['TESSERA_NETWORK_TIMEOUT_MS', 'soon'],
  ])('%s=%j out of range', (name, value) => {
    expect(configError(env({ [name]: value })).message).toMatch(new RegExp(`^${name} `));
  });
});

describe('ConfigError messages never contain secret values', () => {
  it('across every secret-bearing variable', () => {
    const masterKey = masterKeyB64();
    const token = adminToken();
    const cases: Array<Record<string, string | undefined>> = [
      { TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token, PORT: 'nope' },
      { TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token, TESSERA_LOG_LEVEL: 'loud' },
      { TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token, TESSERA_DATABASE_URL: 'oracle://x' },
      { TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token, TESSERA_NETWORK_URL: 'http://sim' },
      { TESSERA_MASTER_KEY: masterKey, TESSERA_ADMIN_TOKEN: token.slice(0, 10) },
      { TESSERA_MASTER_KEY: masterKey.slice(0, 20), TESSERA_ADMIN_TOKEN: token },
      { NODE_ENV: 'production', TESSERA_MASTER_KEY: masterKey },
    ];
    for (const c of cases) {
      const message = configError({ TESSERA_DATA_DIR: tempDir(), ...c }).message;
      expect(message).not.toContain(masterKey);
      expect(message).not.toContain(masterKey.slice(0, 20));
      expect(message).not.toContain(token.slice(0, 10));
    }
  });
});
