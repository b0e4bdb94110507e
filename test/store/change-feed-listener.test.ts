/**
 * The change feed's LISTEN connection (store/postgres/listen.ts) on a real PostgreSQL: a notification arrives; when
 * its backend is terminated (what a server restart or fail-over does to it) the loss is reported, nothing crashes,
 * the connection is opened again and notifications arrive again.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { listenPostgres, type PostgresListener } from '../../src/store/postgres/listen.js';
import { ENGINES, POSTGRES_URL } from '../support/engines.js';

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(ENGINES.filter((engine) => engine === 'postgres'))('the LISTEN connection on %s', () => {
  // A channel and an application name of this test alone: other suites' listeners are never touched.
  const tag = randomBytes(6).toString('hex');
  const channel = `test_changes_${tag}`;
  const applicationName = `tessera-listen-test-${tag}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  let listener: PostgresListener | undefined;
  afterAll(async () => {
    await listener?.close();
    await admin.end();
  });

  it('hears notifications, and after its backend is terminated reconnects and hears them again', async () => {
    await admin.connect();
    const heard: string[] = [];
    const lost: string[] = [];
    let connections = 0;
    listener = await listenPostgres(
      POSTGRES_URL,
      channel,
      { onNotification: (payload) => heard.push(payload), onConnected: () => connections++, onLost: (error) => lost.push(error.message) },
      applicationName,
    );
    expect(connections).toBe(1);
    await admin.query('select pg_notify($1, $2)', [channel, 'first']);
    await eventually(() => heard.includes('first'), 'the first notification');

    const terminated = await admin.query('select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1', [applicationName]);
    expect(terminated.rows).toEqual([{ done: true }]);
    await eventually(() => lost.length > 0 && connections === 2, 'the loss reported and the connection opened again');
    await admin.query('select pg_notify($1, $2)', [channel, 'second']);
    await eventually(() => heard.includes('second'), 'a notification after the reconnection');
  }, 60_000);
});
