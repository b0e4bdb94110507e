/**
 * Another process holds SQLite's write lock (`BEGIN EXCLUSIVE`) while a real `tessera serve` child process is
 * asked to write: the event loop is not frozen (/livez answers, reads answer) while the write waits, and once the
 * lock is gone the write has answered 200, or a clean 503 after which the same write succeeds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startChildServer, type ChildServer } from '../support/child-server.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { request } from '../support/http.js';
import { bootstrapMerchant, encrypted, VISA, type TestMerchant } from '../support/merchant.js';

const HOLDER = `
const SQLite = require('better-sqlite3');
const db = new SQLite(process.argv[1]);
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\\n');
process.stdin.once('data', () => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); });
`;

/** A process holding the database's write lock until told to let go. */
async function holdLock(path: string): Promise<{ release(): Promise<void>; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', HOLDER, path], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output.includes(word)) resolve();
      };
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        check();
      });
      child.once('exit', () => (output.includes(word) ? resolve() : reject(new Error(`lock holder exited: ${output}`))));
      check();
    });
  await said('locked');
  return {
    child,
    async release() {
      child.stdin!.write('go\n');
      await said('released');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

describe.runIf(ENGINES.includes('sqlite'))('a SQLite lock held by another process', () => {
  let database: TestDatabase;
  let server: ChildServer;
  let merchant: TestMerchant;

  beforeAll(async () => {
    database = freshDatabase('sqlite');
    server = await startChildServer({ database: database.config, env: { TESSERA_RECONCILE_INTERVAL_MS: '0' } });
    merchant = await bootstrapMerchant({ baseUrl: server.url, adminToken: server.adminToken });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const put = async (cardNumber: string) =>
    request(server.url, 'PUT', '/oidc/api/v2/card', {
      basic: merchant.basic,
      body: { token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: await encrypted(merchant, { ...VISA, cardNumber }) },
    });

  it('does not freeze the event loop: health and reads answer while a write waits, and the write settles cleanly', async () => {
    if (database.config.engine !== 'sqlite') throw new Error('unreachable');
    const before = await put('4111111111111111');
    expect(before.status, before.text).toBe(200);

    const lock = await holdLock(database.config.path);
    let settled = false;
    // A write that goes straight to the database (no decryption first), so it is waiting for the lock by the
    // time the probes below arrive.
    const write = () => request(server.url, 'POST', '/admin/v1/merchants', { bearer: server.adminToken, body: { name: 'during the lock' } });
    const waiting = write().finally(() => {
      settled = true;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const live = await request(server.url, 'GET', '/livez');
      expect(live.status).toBe(200);
      const read = await request(server.url, 'GET', `/oidc/api/v2/card/${before.body.reuse_token}`, { basic: merchant.basic });
      expect(read.status, read.text).toBe(200);
      // Both answered while the write was still waiting for the other process's lock.
      expect(settled).toBe(false);
    } finally {
      await lock.release();
    }

    const written = await waiting;
    expect([201, 503], written.text).toContain(written.status);
    if (written.status === 503) {
      expect(written.headers.get('retry-after')).not.toBeNull();
      expect(written.body).toEqual({ error_code: 'unavailable', message: 'database unavailable: the database is locked by another process' });
      const again = await write();
      expect(again.status, again.text).toBe(201);
    }
    const after = await put('5555555555554444');
    expect(after.status, after.text).toBe(200);
    expect((await request(server.url, 'GET', '/livez')).status).toBe(200);
    expect(server.output()).not.toContain('unexpected error');
  });
});
