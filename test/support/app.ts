/**
 * A real Tessera server for tests: its own database, real HTTP on a random loopback port, and captured logs
 * (so tests can prove no secret reaches them).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp, type App } from '../../src/main.js';
import { createLogger } from '../../src/log.js';
import type { Clock } from '../../src/clock.js';
import { freshDatabase, type EngineName, type TestDatabase } from './engines.js';

export interface TestServer {
  app: App;
  config: Config;
  baseUrl: string;
  adminToken: string;
  logs: string[];
  database: TestDatabase;
  /** The environment it was configured from. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** Run as a second instance of that server: same database, master key and admin token (as a scaled-out deployment). */
  sharing?: TestServer;
}

export async function startTestServer(engine: EngineName, options: TestServerOptions = {}): Promise<TestServer> {
  const shared = options.sharing;
  // The database belongs to the first instance: only it drops the database when it closes.
  const database: TestDatabase = shared ? { config: shared.database.config, drop: async () => undefined } : freshDatabase(engine);
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-data-'));
  const env: Record<string, string> = {
    TESSERA_DATA_DIR: dataDir,
    TESSERA_MASTER_KEY: shared?.env.TESSERA_MASTER_KEY ?? randomBytes(32).toString('base64'),
    TESSERA_ADMIN_TOKEN: shared?.adminToken ?? randomBytes(24).toString('base64url'),
    TESSERA_LOG_LEVEL: 'info',
    TESSERA_DATABASE_URL: database.config.engine === 'sqlite' ? `sqlite:${database.config.path}` : database.config.url,
    ...options.env,
  };
  const adminToken = env.TESSERA_ADMIN_TOKEN!;
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const app = await buildApp(config, { logger: createLogger('info', sink), ...(options.clock ? { clock: options.clock } : {}) });
  const address = await app.http.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    config,
    baseUrl: address,
    adminToken,
    logs,
    database,
    env,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
