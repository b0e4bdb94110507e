/**
 * `tessera init`: the one command that creates a vault. It makes the data directory (0700), a master key and an
 * admin token in it (0600; in development, unless given by TESSERA_MASTER_KEY / TESSERA_ADMIN_TOKEN), and the
 * migrated database (`--database`, TESSERA_DATABASE_URL, or SQLite in the data directory). It refuses to touch an
 * existing vault. The admin token is printed once, first, before anything else.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { openStore } from '../store/database.js';
import { emit } from './output.js';

interface InitOptions {
  json: boolean;
  dataDir?: string;
  database?: string;
}

/** The database URL without its password, for display. */
function shownUrl(url: string): string {
  if (!url.startsWith('postgres')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

export function addInitCommand(program: Command): void {
  program
    .command('init')
    .description('create a vault: data directory, master key, admin token (shown once) and the migrated database')
    .option('--data-dir <dir>', 'where the secrets (and the default SQLite database) go; default TESSERA_DATA_DIR or ./data')
    .option('--database <url>', 'the database to migrate (sqlite:<path> or postgres://…); default TESSERA_DATABASE_URL or SQLite in the data directory')
    .option('--json', 'print machine-readable JSON on stdout', false)
    .action(async (opts: InitOptions) => {
      const dataDir = resolve(opts.dataDir ?? (process.env.TESSERA_DATA_DIR || './data'));
      const url = opts.database ?? (process.env.TESSERA_DATABASE_URL || `sqlite:${join(dataDir, 'tessera.db')}`);
      const existing = [
        join(dataDir, 'master.key'),
        join(dataDir, 'admin.token'),
        ...(url.startsWith('sqlite:') ? [resolve(url.slice('sqlite:'.length))] : []),
      ].filter((file) => existsSync(file));
      if (existing.length > 0) throw new ConfigError(`a vault already exists here (${existing.join(', ')}); init never overwrites one`);
      // loadConfig checks every value first, then (development only) generates the missing secrets, 0600.
      const config = loadConfig({ ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_DATABASE_URL: url });
      const store = await openStore(config.database);
      await store.close();
      const result = {
        // First: the one secret shown here, and only here.
        admin_token: config.generated.adminToken ? config.adminToken : null,
        data_dir: dataDir,
        admin_token_file: config.generated.adminToken ? join(dataDir, 'admin.token') : null,
        master_key_file: config.generated.masterKey ? join(dataDir, 'master.key') : null,
        database: shownUrl(url),
        engine: config.database.engine,
        migrated: true,
      };
      await emit(result, opts);
      if (!opts.json) {
        process.stderr.write(
          `tessera: vault created. Start it with TESSERA_DATA_DIR=${dataDir}${opts.database || process.env.TESSERA_DATABASE_URL ? ' TESSERA_DATABASE_URL=…' : ''} tessera serve; ` +
            'administer it with TESSERA_URL and TESSERA_ADMIN_TOKEN, or with --database.\n',
        );
      }
    });
}
