/**
 * The store survives its database, in-process, over real HTTP:
 * - PostgreSQL behind a TCP proxy that is cut (a restart or a network cut as the server sees it): every API
 *   answers 503 in its own envelope with Retry-After, never a 500; the process stays up; once the proxy forwards
 *   again, requests succeed without a restart. Start-up waits (with backoff) for a database that appears late,
 *   and gives up with a message naming TESSERA_DATABASE_WAIT_SECONDS.
 * - SQLite with a full disk (PRAGMA max_page_count) and a file that is read-only when opened: a clean 503 naming
 *   the cause (never "cannot rollback"), and recovery without a restart once the condition is gone.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/app.js';
import { runCli } from '../support/child-server.js';
import { postgresProxy, type PostgresProxy } from '../support/database-outage.js';
import { ENGINES, POSTGRES_URL } from '../support/engines.js';
import { request, type HttpResult } from '../support/http.js';
import { createAccount, IssuerApi, reservePort, type TestAccount } from '../support/issuer.js';
import { bootstrapMerchant, tokenize, VISA, type TestMerchant } from '../support/merchant.js';

const VERIFONE_503 =
  'Service temporarily unavailable. A dependency of the service (its database) cannot be reached right now: retry after the number of seconds given in the Retry-After header of the response.';
/** Only a guard against waiting forever for recovery; nothing is asserted about how long it takes. */
const RECOVERY_POLLS = 300;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(probe: () => Promise<HttpResult>, ok: (result: HttpResult) => boolean): Promise<HttpResult> {
  let last: HttpResult | undefined;
  for (let poll = 0; poll < RECOVERY_POLLS; poll++) {
    last = await probe();
    if (ok(last)) return last;
    await pause(100);
  }
  throw new Error(`never recovered; last answer ${last?.status} ${last?.text}`);
}

function expectVerifone503(result: HttpResult) {
  expect(result.status, result.text).toBe(503);
  expect(Number(result.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(result.body).toMatchObject({ code: 503, message: VERIFONE_503, details: {}, reversal_status: 'NONE' });
  expect(typeof (result.body as { timestamp: unknown }).timestamp).toBe('number');
}

const unexpectedErrors = (server: TestServer) => server.logs.filter((line) => line.includes('unexpected error'));

describe.runIf(ENGINES.includes('postgres'))('PostgreSQL goes away and comes back', () => {
  const schema = `t_away_${randomBytes(5).toString('hex')}`;
  let proxy: PostgresProxy;
  let server: TestServer;
  let merchant: TestMerchant;
  let account: TestAccount;
  let reuseToken: string;

  const databaseUrl = () => {
    const url = new URL(proxy.url(POSTGRES_URL));
    url.searchParams.set('schema', schema);
    return url.toString();
  };

  beforeAll(async () => {
    proxy = await postgresProxy();
    await proxy.open();
    server = await startTestServer('postgres', { env: { TESSERA_DATABASE_URL: databaseUrl() } });
    merchant = await bootstrapMerchant(server);
    account = await createAccount(new IssuerApi(server));
    const put = await tokenize(server, merchant);
    expect(put.status, put.text).toBe(200);
    reuseToken = put.body.reuse_token;
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('answers 503 in each envelope with Retry-After while it is away, and recovers by itself', async () => {
    await proxy.cut();

    expectVerifone503(await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${reuseToken}`, { basic: merchant.basic }));
    const put = await request(server.baseUrl, 'PUT', '/oidc/api/v2/card', {
      basic: merchant.basic,
      body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: 'AAAA' },
    });
    // Either the authentication or the capture-key look-up meets the database first: both are 503.
    expectVerifone503(put);

    const pismo = await new IssuerApi(server).listTokens(account.jwt, 1);
    expect(pismo.status, pismo.text).toBe(503);
    expect(pismo.headers.get('retry-after')).not.toBeNull();
    expect(pismo.body).toEqual({ error_code: 'ERR5030', message: 'Service temporarily unavailable: retry later' });

    const admin = await request(server.baseUrl, 'GET', `/admin/v1/merchants/${merchant.merchantId}/capture-keys`, { bearer: server.adminToken });
    expect(admin.status, admin.text).toBe(503);
    expect(admin.headers.get('retry-after')).not.toBeNull();
    expect(admin.body).toMatchObject({ error_code: 'unavailable' });
    expect((admin.body as { message: string }).message).toMatch(/^database unavailable: /);

    expect((await request(server.baseUrl, 'GET', '/livez')).status).toBe(200);
    expect((await request(server.baseUrl, 'GET', '/readyz')).status).toBe(503);
    expect(unexpectedErrors(server)).toEqual([]);

    await proxy.open();
    const read = await eventually(
      () => request(server.baseUrl, 'GET', `/oidc/api/v2/card/${reuseToken}`, { basic: merchant.basic }),
      (result) => result.status !== 503,
    );
    expect(read.status, read.text).toBe(200);
    const again = await tokenize(server, merchant, { ...VISA, cardNumber: '4000056655665556' });
    expect(again.status, again.text).toBe(200);
    expect(unexpectedErrors(server)).toEqual([]);
  });

  it('start-up waits for a database that appears late', { timeout: 180_000 }, async () => {
    const late = await postgresProxy();
    try {
      const url = new URL(late.url(POSTGRES_URL));
      url.searchParams.set('schema', schema);
      let started = false;
      const starting = startTestServer('postgres', {
        sharing: server,
        env: { TESSERA_DATABASE_URL: url.toString(), TESSERA_DATABASE_WAIT_SECONDS: '120' },
      }).then((second) => {
        started = true;
        return second;
      });
      // Nothing listens yet: the server keeps trying (with backoff) instead of exiting.
      await pause(1500);
      expect(started).toBe(false);
      await late.open();
      const second = await starting;
      try {
        const put = await tokenize(second, await bootstrapMerchant(second));
        expect(put.status, put.text).toBe(200);
      } finally {
        await second.app.close();
      }
    } finally {
      await late.close();
    }
  });

  it('start-up gives up after TESSERA_DATABASE_WAIT_SECONDS with a message naming it', { timeout: 180_000 }, async () => {
    const nothing = await reservePort();
    const result = await runCli(['serve'], {
      PORT: String(await reservePort()),
      TESSERA_DATABASE_URL: `postgres://postgres@127.0.0.1:${nothing}/test`,
      TESSERA_DATABASE_WAIT_SECONDS: '1',
      TESSERA_MASTER_KEY: randomBytes(32).toString('base64'),
      TESSERA_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-wait-')),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TESSERA_DATABASE_WAIT_SECONDS');
    expect(result.stderr).toContain(`127.0.0.1:${nothing}`);
  });
});

describe.runIf(ENGINES.includes('sqlite'))('SQLite full disk', () => {
  let server: TestServer;
  let merchant: TestMerchant;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    merchant = await bootstrapMerchant(server);
  });
  afterAll(() => server?.close());

  const pan = (i: number) => {
    const body = `41111122${String(i).padStart(7, '0')}`;
    // Luhn check digit.
    let sum = 0;
    for (const [index, char] of [...body].reverse().entries()) {
      let digit = Number(char);
      if (index % 2 === 0) digit *= 2;
      sum += digit > 9 ? digit - 9 : digit;
    }
    return body + String((10 - (sum % 10)) % 10);
  };

  it('answers 503 naming the cause (not "cannot rollback") and recovers once there is room', async () => {
    const db = server.app.core.store.db;
    const pages = (await sql<{ page_count: number }>`PRAGMA page_count`.execute(db)).rows[0]!.page_count;
    await sql.raw(`PRAGMA max_page_count = ${pages}`).execute(db);
    const acknowledged: string[] = [];
    let refused = 0;
    try {
      for (let i = 0; i < 60 && refused === 0; i++) {
        const put = await tokenize(server, merchant, { ...VISA, cardNumber: pan(i) });
        if (put.status === 200) acknowledged.push(put.body.reuse_token);
        else {
          expectVerifone503(put);
          refused++;
        }
      }
      expect(refused).toBe(1);
      const admin = await request(server.baseUrl, 'POST', '/admin/v1/merchants', { bearer: server.adminToken, body: { name: 'x'.repeat(200) } });
      // The merchants table may still have room on its page; if not, the admin API names the cause.
      if (admin.status !== 201)
        expect(admin.body).toEqual({ error_code: 'unavailable', message: 'database unavailable: the disk (or the database size limit) is full' });
    } finally {
      await sql.raw('PRAGMA max_page_count = 1073741823').execute(db);
    }
    const logs = server.logs.join('');
    expect(logs).toContain('the disk (or the database size limit) is full');
    expect(logs).not.toContain('cannot rollback');
    expect(unexpectedErrors(server)).toEqual([]);

    const after = await tokenize(server, merchant, { ...VISA, cardNumber: pan(99) });
    expect(after.status, after.text).toBe(200);
    for (const token of acknowledged) {
      expect((await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${token}`, { basic: merchant.basic })).status).toBe(200);
    }
  });
});

/** Read-only for this process: chmod is ignored by root, so root makes the file immutable instead. */
function setReadOnly(path: string, readOnly: boolean): void {
  if (process.getuid?.() === 0) execFileSync('chattr', [readOnly ? '+i' : '-i', path]);
  else chmodSync(path, readOnly ? 0o400 : 0o600);
}

describe.runIf(ENGINES.includes('sqlite'))('SQLite opened read-only', () => {
  let first: TestServer;
  let server: TestServer | undefined;
  let merchant: TestMerchant;
  let reuseToken: string;
  let path: string;

  beforeAll(async () => {
    first = await startTestServer('sqlite');
    merchant = await bootstrapMerchant(first);
    const put = await tokenize(first, merchant);
    expect(put.status, put.text).toBe(200);
    reuseToken = put.body.reuse_token;
    await first.app.close();
    if (first.database.config.engine !== 'sqlite') throw new Error('unreachable');
    path = first.database.config.path;
  });
  afterAll(async () => {
    setReadOnly(path, false);
    await server?.close();
  });

  it('serves reads, answers writes 503 naming the cause, and writes again once the file is writable', async () => {
    setReadOnly(path, true);
    server = await startTestServer('sqlite', { sharing: first });
    const read = await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${reuseToken}`, { basic: merchant.basic });
    expect(read.status, read.text).toBe(200);
    const refused = await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${reuseToken}/suspend`, { basic: merchant.basic });
    expect(refused.status, refused.text).toBe(503);
    const admin = await request(server.baseUrl, 'POST', '/admin/v1/merchants', { bearer: server.adminToken, body: { name: 'read-only' } });
    expect(admin.status).toBe(503);
    expect(admin.body).toEqual({ error_code: 'unavailable', message: 'database unavailable: the database file is read-only' });
    expect(server.logs.join('')).not.toContain('cannot rollback');

    setReadOnly(path, false);
    const suspended = await request(server.baseUrl, 'PATCH', `/oidc/api/v2/card/${reuseToken}/suspend`, { basic: merchant.basic });
    expect(suspended.status, suspended.text).toBe(204);
    expect((await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${reuseToken}`, { basic: merchant.basic })).body.token_status).toBe('SUSPENDED');
    expect(unexpectedErrors(server)).toEqual([]);
  });
});
