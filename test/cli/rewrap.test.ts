/**
 * `tessera rewrap` (src/cli/rewrap-command.ts), run as a real child process from the sources on both engines:
 * it re-wraps every data key under the current master key with progress on stderr and a JSON summary on stdout;
 * killed mid-way (one data key per batch, a pause between batches) it is completed by running it again, which
 * re-wraps only what was left; and nothing else re-wraps: a server started with the new key leaves every data key
 * where it was.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createDataKeysDal } from '../../src/keys/dal.js';
import { createDataKeys } from '../../src/keys/data-keys.js';
import { createLogger } from '../../src/log.js';
import { buildApp } from '../../src/main.js';
import { openStore, type Store } from '../../src/store/database.js';
import { createMasterKeyring, masterKeyId } from '../../src/vault/keyring.js';
import { databaseUrl, ROOT, runCli } from '../support/child-server.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

const DATA_KEYS = 12;
const TIMEOUT_MS = 120_000;

describe.each(ENGINES)('tessera rewrap on %s', (engine) => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let database: TestDatabase;
  let store: Store;
  let env: Record<string, string>;

  const wrappedBy = async () => {
    const rows = await store.db.selectFrom('data_keys').select('master_key_id').execute();
    const counts: Record<string, number> = {};
    for (const row of rows) counts[row.master_key_id] = (counts[row.master_key_id] ?? 0) + 1;
    return counts;
  };

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
    // Data keys as a deployment on the old master key made them.
    const keys = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(oldKey), clock: systemClock });
    for (let i = 0; i < DATA_KEYS / 2; i++) {
      await keys.current(`merchant:rewrap-${i}`, 'data');
      await keys.current(`merchant:rewrap-${i}`, 'fingerprint');
    }
    env = {
      TESSERA_DATABASE_URL: databaseUrl(database.config),
      TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-rewrap-')),
      TESSERA_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      TESSERA_MASTER_KEY: newKey.toString('base64'),
      TESSERA_PREVIOUS_MASTER_KEYS: oldKey.toString('base64'),
      TESSERA_LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it(
    'nothing is re-wrapped at start-up: a server on the new key (old one as previous) leaves every data key under the old key',
    async () => {
      const app = await buildApp(loadConfig(env), { logger: createLogger('silent') });
      try {
        // It reads them (the old key is among its previous keys) but does not move them.
        const { key } = await app.core.dataKeys.current('merchant:rewrap-0', 'data');
        expect(key).toHaveLength(32);
      } finally {
        await app.close();
      }
      expect(await wrappedBy()).toEqual({ [masterKeyId(oldKey)]: DATA_KEYS });
    },
    TIMEOUT_MS,
  );

  it(
    'killed mid-way, a second run re-wraps only what was left and completes; a third finds nothing to do',
    async () => {
      // One data key per batch, with a pause between batches: the kill lands while most are still to do.
      const child = spawn(
        process.execPath,
        ['--import', './test/support/ts-loader.mjs', 'src/cli/main.ts', 'rewrap', '--batch-size', '1', '--pause-ms', '1000'],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('close', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          // The first batch is done (committed) once its progress line is out.
          if (stderr.includes(`progress: 1/${DATA_KEYS} data keys re-wrapped`)) resolve();
        });
        child.once('close', () => reject(new Error(`rewrap ended before its first batch:\n${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      expect(stderr).toContain(`progress: 0/${DATA_KEYS} data keys re-wrapped`);

      const afterKill = await wrappedBy();
      const done = afterKill[masterKeyId(newKey)] ?? 0;
      expect(done).toBeGreaterThanOrEqual(1);
      expect(done).toBeLessThan(DATA_KEYS);
      expect(afterKill[masterKeyId(oldKey)]).toBe(DATA_KEYS - done);

      const second = await runCli(['rewrap', '--batch-size', '5'], env);
      expect(second.code, second.stderr).toBe(0);
      const summary = JSON.parse(second.stdout);
      expect(summary).toEqual({
        current_master_key_id: masterKeyId(newKey),
        rewrapped: DATA_KEYS - done,
        complete: true,
        remaining: 0,
        unreadable: 0,
        before: { [masterKeyId(oldKey)]: DATA_KEYS - done, [masterKeyId(newKey)]: done },
        after: { [masterKeyId(newKey)]: DATA_KEYS },
      });
      // Not a terminal: one plain progress line per batch, the last one complete.
      expect(second.stderr).toContain(`progress: 0/${DATA_KEYS - done} data keys re-wrapped`);
      expect(second.stderr).toContain(`progress: ${DATA_KEYS - done}/${DATA_KEYS - done} data keys re-wrapped`);
      expect(second.stderr).not.toContain('\r');
      expect(await wrappedBy()).toEqual({ [masterKeyId(newKey)]: DATA_KEYS });

      const third = await runCli(['rewrap'], env);
      expect(third.code, third.stderr).toBe(0);
      expect(JSON.parse(third.stdout)).toMatchObject({ rewrapped: 0, complete: true, remaining: 0 });

      // The data keys are the same keys: the new master key alone now opens them.
      const newOnly = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(newKey), clock: systemClock });
      const old = createDataKeys({ dal: createDataKeysDal(store.db), keyring: createMasterKeyring(newKey, [oldKey]), clock: systemClock });
      expect(await newOnly.get('merchant:rewrap-3', 'data', 1)).toEqual(await old.get('merchant:rewrap-3', 'data', 1));
    },
    TIMEOUT_MS,
  );

  it(
    'refuses to run without TESSERA_MASTER_KEY, and reports (exit 1) data keys under a master key it was not given',
    async () => {
      const { TESSERA_MASTER_KEY: _current, ...withoutKey } = env;
      void _current;
      const noKey = await runCli(['rewrap'], withoutKey);
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toContain('TESSERA_MASTER_KEY is not set');

      // A third key as current, without the one that now wraps everything.
      const stranger = await runCli(['rewrap'], { ...env, TESSERA_MASTER_KEY: randomBytes(32).toString('base64') });
      expect(stranger.code).toBe(1);
      expect(JSON.parse(stranger.stdout)).toMatchObject({ rewrapped: 0, unreadable: DATA_KEYS, complete: false });
      expect(stranger.stderr).toContain('TESSERA_PREVIOUS_MASTER_KEYS');
      expect(await wrappedBy()).toEqual({ [masterKeyId(newKey)]: DATA_KEYS });
    },
    TIMEOUT_MS,
  );
});
