/**
 * The start-up line, the generated-secrets notice (token only on a terminal), private SQLite files, and the
 * pretty log format through a real pino-pretty transport.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { describeStartup, generatedSecretsNotice, withoutCredentials } from '../../src/startup.js';
import { restrictSqliteFiles, sqliteFiles, withPrivateUmask } from '../../src/private-files.js';
import { createFormattedLogger } from '../../src/log-format.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'tessera-startup-'));
const secrets = () => ({ TESSERA_MASTER_KEY: randomBytes(32).toString('base64'), TESSERA_ADMIN_TOKEN: randomBytes(24).toString('base64url') });

describe('describeStartup', () => {
  it('development on SQLite with the in-process network: sandbox on, no warnings', () => {
    const dataDir = tempDir();
    const line = describeStartup(loadConfig({ TESSERA_DATA_DIR: dataDir, ...secrets() }), '1.2.3');
    expect(line).toEqual({
      msg: 'tessera started',
      version: '1.2.3',
      mode: 'development',
      engine: 'sqlite',
      database: `sqlite:${join(dataDir, 'tessera.db')}`,
      network: 'in-process',
      sandbox: 'on',
      address: 'http://127.0.0.1:8080',
      metrics: 'open',
      warnings: [],
    });
  });

  it('production on PostgreSQL over the HTTP network: no credentials anywhere, sandbox off', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      TESSERA_DATA_DIR: tempDir(),
      ...secrets(),
      HOST: '0.0.0.0',
      PORT: '9000',
      TESSERA_DATABASE_URL: 'postgres://tessera:db-password-xyz@db.internal:5432/tessera?sslmode=require&password=leak',
      TESSERA_NETWORK_URL: 'http://sim-user:sim-pass@network-sim:9090',
      TESSERA_NETWORK_SECRET: randomBytes(24).toString('base64url'),
      TESSERA_METRICS_TOKEN: randomBytes(24).toString('base64url'),
    });
    const line = describeStartup(config, '1.2.3', 'http://0.0.0.0:9000');
    expect(line).toMatchObject({
      mode: 'production',
      engine: 'postgres',
      database: 'postgres://db.internal:5432/tessera',
      network: 'http',
      networkUrl: 'http://network-sim:9090/',
      sandbox: 'off',
      address: 'http://0.0.0.0:9000',
      metrics: 'token',
      warnings: [],
    });
    const text = JSON.stringify(line);
    for (const secret of ['db-password-xyz', 'leak', 'sim-pass', 'sim-user', config.adminToken, config.network.secret]) expect(text).not.toContain(secret);
  });

  it('production on SQLite with the simulated network and the sandbox on: a warning for each', () => {
    const line = describeStartup(loadConfig({ NODE_ENV: 'production', TESSERA_DATA_DIR: tempDir(), ...secrets(), TESSERA_SANDBOX: 'on' }), '0.1.0');
    expect(line.sandbox).toBe('on');
    expect(line.warnings).toHaveLength(4);
    expect(line.warnings.join('\n')).toMatch(/SQLite in production/);
    expect(line.warnings.join('\n')).toMatch(/in-process simulator/);
    expect(line.warnings.join('\n')).toMatch(/sandbox .* on in production/);
    expect(line.warnings.join('\n')).toMatch(/TESSERA_METRICS_TOKEN/);
  });

  it('brackets an IPv6 host', () => {
    expect(describeStartup(loadConfig({ TESSERA_DATA_DIR: tempDir(), ...secrets(), HOST: '::1', PORT: '0' }), 'x').address).toBe('http://[::1]:0');
  });

  it('withoutCredentials drops user, password and query', () => {
    expect(withoutCredentials('postgresql://u:p@h:1/d?password=x#f')).toBe('postgresql://h:1/d');
    expect(withoutCredentials('not a url')).toBe('[unparseable URL]');
  });
});

describe('generatedSecretsNotice', () => {
  const config = { dataDir: '/srv/data', adminToken: 'the-generated-admin-token-value', generated: { adminToken: true, masterKey: true } };

  it('on a terminal, shows the admin token once and where both secrets are kept', () => {
    const notice = generatedSecretsNotice(config, true);
    expect(notice).toContain('/srv/data/master.key');
    expect(notice).toContain('/srv/data/admin.token');
    expect(notice).toContain('the-generated-admin-token-value');
  });

  it('not on a terminal (a log file, a pipe), says where the token is but never prints it', () => {
    const notice = generatedSecretsNotice(config, false);
    expect(notice).toContain('/srv/data/admin.token');
    expect(notice).toContain('not a terminal');
    expect(notice).not.toContain('the-generated-admin-token-value');
  });

  it('says nothing when nothing was generated', () => {
    expect(generatedSecretsNotice({ ...config, generated: { adminToken: false, masterKey: false } }, true)).toBe('');
  });
});

describe('SQLite files are private', () => {
  it('opened under withPrivateUmask in WAL mode, the database, -wal and -shm are 0600 despite umask 000', () => {
    const path = join(tempDir(), 'private.db');
    const previous = process.umask(0o000);
    try {
      const db = withPrivateUmask(() => {
        const opened = new SQLite(path);
        opened.pragma('journal_mode = WAL');
        return opened;
      });
      db.exec('create table t (x integer)');
      db.prepare('insert into t values (1)').run();
      const present = sqliteFiles(path).filter((file) => {
        try {
          return statSync(file).isFile();
        } catch {
          return false;
        }
      });
      expect(present).toEqual([path, `${path}-wal`, `${path}-shm`]);
      for (const file of present) expect(statSync(file).mode & 0o777, file).toBe(0o600);
      // A file created after the open, with the wide umask back, is not narrowed: the umask was only around open.
      expect(process.umask()).toBe(0o000);
      db.close();
    } finally {
      process.umask(previous);
    }
  });

  it('restrictSqliteFiles narrows files created before the rule; SQLite then creates -wal and -shm with the database mode', () => {
    const path = join(tempDir(), 'old.db');
    const previous = process.umask(0o022);
    try {
      const old = new SQLite(path);
      old.pragma('journal_mode = WAL');
      old.exec('create table t (x integer)');
      expect(statSync(path).mode & 0o777).toBe(0o644);
      restrictSqliteFiles(path);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(statSync(file).mode & 0o777, file).toBe(0o600);
      old.close(); // the last connection removes -wal and -shm
      const reopened = new SQLite(path);
      reopened.exec('insert into t values (2)');
      for (const file of [`${path}-wal`, `${path}-shm`]) expect(statSync(file).mode & 0o777, file).toBe(0o600);
      reopened.close();
    } finally {
      process.umask(previous);
    }
  });

  it(':memory: has no files', () => {
    expect(sqliteFiles(':memory:')).toEqual([]);
    expect(() => restrictSqliteFiles(':memory:')).not.toThrow();
  });
});

describe('TESSERA_LOG_FORMAT=pretty', () => {
  it('writes human-readable, still redacted lines through the pino-pretty transport', async () => {
    const file = join(tempDir(), 'pretty.log');
    const logger = createFormattedLogger('info', 'pretty', { fd: file });
    logger.info({ pan: '4111111111111111', route: '/x' }, 'hello pretty');
    await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
    // The transport writes from its worker thread: wait for the line to land.
    let text = '';
    while (!text.includes('hello pretty')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    }
    expect(text).toMatch(/INFO.*hello pretty/);
    expect(text).not.toMatch(/^\{/m); // not JSON
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain('4111111111111111');
  });

  it('json stays the default format', async () => {
    const lines: string[] = [];
    const logger = createFormattedLogger('info', 'json', { destination: { write: (line: string) => void lines.push(line) } });
    logger.info({ pan: '4111111111111111' }, 'hello json');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'hello json', pan: '[REDACTED]' });
  });
});
