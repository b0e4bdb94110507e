/**
 * The production rules of loadConfig added for issue 11: weak secrets refused, the sandbox off unless asked for,
 * every error reported at once, a sqlite: path in a missing directory refused, the log format, the metrics token,
 * and the development data dir and secrets private to their owner.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { shannonBitsPerChar, weakKey, weakTextSecret } from '../../src/secret-strength.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'tessera-safe-'));
const masterKeyB64 = () => randomBytes(32).toString('base64');
const strongToken = () => randomBytes(24).toString('base64url');

function production(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { NODE_ENV: 'production', TESSERA_DATA_DIR: tempDir(), TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: strongToken(), ...overrides };
}

function configError(environment: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('weak secrets are refused in production', () => {
  it.each([
    ['one character repeated', 'a'.repeat(24)],
    ['one character repeated, longer', 'Z'.repeat(64)],
    ['a short unit repeated', 'abc1'.repeat(8)],
    ['a word repeated', 'password'.repeat(3)],
    ['few distinct characters', 'aaaabbbbccccddddeeeeabcdeabbbbcccc'],
    ['mostly one character', 'a'.repeat(30) + 'bcdefghij'],
  ])('TESSERA_ADMIN_TOKEN: %s', (_label, token) => {
    const error = configError(production({ TESSERA_ADMIN_TOKEN: token }));
    expect(error.message).toContain('TESSERA_ADMIN_TOKEN');
    expect(error.message).not.toContain(token);
  });

  it('the same weak admin token is still accepted in development (only production enforces strength)', () => {
    expect(loadConfig({ TESSERA_DATA_DIR: tempDir(), TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: 'a'.repeat(24) }).adminToken).toBe(
      'a'.repeat(24),
    );
  });

  it.each([
    ['all zero', Buffer.alloc(32, 0)],
    ['one byte repeated', Buffer.alloc(32, 0x41)],
    ['0xff repeated', Buffer.alloc(32, 0xff)],
    ['a 4-byte pattern', Buffer.from('deadbeef'.repeat(8), 'hex')],
    ['few distinct bytes', Buffer.from([...Array(32).keys()].map((i) => i % 5))],
  ])('TESSERA_MASTER_KEY: %s', (_label, key) => {
    const value = key.toString('base64');
    const error = configError(production({ TESSERA_MASTER_KEY: value }));
    expect(error.message).toContain('TESSERA_MASTER_KEY');
    expect(error.message).not.toContain(value);
  });

  it('a weak key is accepted among TESSERA_PREVIOUS_MASTER_KEYS: they are given to move data away from them', () => {
    const config = loadConfig(production({ TESSERA_PREVIOUS_MASTER_KEYS: Buffer.alloc(32, 0).toString('base64') }));
    expect(config.previousMasterKeys[0]?.equals(Buffer.alloc(32, 0))).toBe(true);
  });

  it('TESSERA_NETWORK_SECRET: weak refused in production, without echoing it', () => {
    const secret = 'n'.repeat(32);
    const error = configError(production({ TESSERA_NETWORK_URL: 'http://sim:9090', TESSERA_NETWORK_SECRET: secret }));
    expect(error.message).toContain('TESSERA_NETWORK_SECRET');
    expect(error.message).not.toContain(secret);
    expect(loadConfig(production({ TESSERA_NETWORK_URL: 'http://sim:9090', TESSERA_NETWORK_SECRET: strongToken() })).network.url).toBe('http://sim:9090');
  });

  it('TESSERA_METRICS_TOKEN: too short refused everywhere, weak refused in production, strong kept', () => {
    expect(configError({ TESSERA_DATA_DIR: tempDir(), TESSERA_METRICS_TOKEN: 'short' }).message).toContain('TESSERA_METRICS_TOKEN');
    expect(configError(production({ TESSERA_METRICS_TOKEN: 'm'.repeat(20) })).message).toContain('TESSERA_METRICS_TOKEN');
    const token = strongToken();
    expect(loadConfig(production({ TESSERA_METRICS_TOKEN: token })).metricsToken).toBe(token);
    expect(loadConfig(production()).metricsToken).toBeUndefined();
  });

  it('generated secrets pass the rules they are held to', () => {
    for (let i = 0; i < 200; i++) {
      expect(weakTextSecret(randomBytes(24).toString('base64url'))).toBeUndefined();
      expect(weakTextSecret(randomBytes(12).toString('hex'))).toBeUndefined();
      expect(weakKey(randomBytes(32))).toBeUndefined();
    }
    expect(shannonBitsPerChar('a'.repeat(24))).toBe(0);
    expect(shannonBitsPerChar('ab'.repeat(12))).toBe(1);
  });
});

describe('the sandbox switch', () => {
  it('is on by default in development and off by default in production', () => {
    expect(loadConfig({ TESSERA_DATA_DIR: tempDir(), TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: strongToken() }).sandbox).toBe(true);
    expect(loadConfig(production()).sandbox).toBe(false);
  });

  it('TESSERA_SANDBOX=on enables it in production, off disables it in development', () => {
    expect(loadConfig(production({ TESSERA_SANDBOX: 'on' })).sandbox).toBe(true);
    expect(
      loadConfig({ TESSERA_DATA_DIR: tempDir(), TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: strongToken(), TESSERA_SANDBOX: 'off' }).sandbox,
    ).toBe(false);
  });

  it.each(['yes', 'enabled', 'onn'])('TESSERA_SANDBOX=%j is an error', (value) => {
    expect(configError(production({ TESSERA_SANDBOX: value })).message).toMatch(/^TESSERA_SANDBOX must be on or off/);
  });
});

describe('every configuration error at once', () => {
  it('lists one error per bad variable in one ConfigError, nothing generated', () => {
    const dataDir = tempDir();
    const error = configError({
      TESSERA_DATA_DIR: dataDir,
      PORT: 'eighty',
      TESSERA_LOG_LEVEL: 'loud',
      TESSERA_LOG_FORMAT: 'xml',
      TESSERA_DATABASE_URL: 'mysql://u:p@h/d',
      TESSERA_SANDBOX: 'maybe',
      TESSERA_ADMIN_TOKEN: 'short',
      TESSERA_NETWORK_TIMEOUT_MS: 'soon',
      TESSERA_BIN_TABLE: join(dataDir, 'missing.csv'),
    });
    expect(error.errors.map((e) => e.split(/[ :]/)[0])).toEqual([
      'PORT',
      'TESSERA_LOG_LEVEL',
      'TESSERA_LOG_FORMAT',
      'TESSERA_SANDBOX',
      'TESSERA_DATABASE_URL',
      'TESSERA_ADMIN_TOKEN',
      'TESSERA_BIN_TABLE',
      'TESSERA_NETWORK_TIMEOUT_MS',
    ]);
    expect(error.message.split('\n')).toEqual(error.errors);
    expect(error.message).not.toContain('u:p');
    // Development secrets are generated only for a configuration that is otherwise valid.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('an empty TESSERA_NETWORK_SECRET with TESSERA_NETWORK_URL is one error (required), not also "too short"', () => {
    const error = configError(production({ TESSERA_NETWORK_URL: 'http://sim:9090', TESSERA_NETWORK_SECRET: '' }));
    expect(error.errors).toEqual(['TESSERA_NETWORK_SECRET is required with TESSERA_NETWORK_URL']);
  });

  it('a single error reads as it did: the message is that error', () => {
    const error = configError({ TESSERA_DATA_DIR: tempDir(), PORT: 'x' });
    expect(error.errors).toHaveLength(1);
    expect(error.message).toBe(error.errors[0]);
  });
});

describe('sqlite: paths', () => {
  it('a sqlite: file in a directory that does not exist is an error naming the variable and the directory', () => {
    const missing = join(tempDir(), 'no', 'such', 'dir');
    const error = configError({ TESSERA_DATA_DIR: tempDir(), TESSERA_DATABASE_URL: `sqlite:${join(missing, 'x.db')}` });
    expect(error.message).toMatch(/^TESSERA_DATABASE_URL/);
    expect(error.message).toContain(missing);
  });

  it('a sqlite: path whose parent is a file is an error', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    expect(configError({ TESSERA_DATA_DIR: tempDir(), TESSERA_DATABASE_URL: `sqlite:${join(file, 'x.db')}` }).message).toContain('not a directory');
  });

  it('an existing directory is fine, and so is a not-yet-created data dir for the default database', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'db'));
    expect(loadConfig({ TESSERA_DATA_DIR: tempDir(), TESSERA_DATABASE_URL: `sqlite:${join(dir, 'db', 'x.db')}` }).database).toEqual({
      engine: 'sqlite',
      path: join(dir, 'db', 'x.db'),
    });
    const dataDir = join(tempDir(), 'later');
    const config = loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: strongToken() });
    expect(config.database).toEqual({ engine: 'sqlite', path: join(dataDir, 'tessera.db') });
    // The data dir named explicitly in the URL counts as the data dir.
    expect(loadConfig({ TESSERA_DATA_DIR: dataDir, TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'other.db')}` }).database).toMatchObject({ engine: 'sqlite' });
  });
});

describe('log format', () => {
  it('defaults to json, accepts pretty, refuses anything else', () => {
    const base = { TESSERA_DATA_DIR: tempDir(), TESSERA_MASTER_KEY: masterKeyB64(), TESSERA_ADMIN_TOKEN: strongToken() };
    expect(loadConfig(base).logFormat).toBe('json');
    expect(loadConfig({ ...base, TESSERA_LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(configError({ ...base, TESSERA_LOG_FORMAT: 'PRETTY' }).message).toMatch(/^TESSERA_LOG_FORMAT must be one of json, pretty/);
  });
});

describe('data files are private', () => {
  it('a generated data dir is 0700 and the development secrets in it 0600, whatever the umask', () => {
    const previous = process.umask(0o000);
    try {
      const dataDir = join(tempDir(), 'fresh');
      loadConfig({ TESSERA_DATA_DIR: dataDir });
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      for (const file of ['master.key', 'admin.token']) expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });
});
