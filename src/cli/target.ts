/**
 * Where an admin command acts, decided once per command and never by accident:
 * 1. `--database <url>`: that database, through an in-process admin API;
 * 2. else `TESSERA_URL` (+ `TESSERA_ADMIN_TOKEN`): the running server's admin API;
 * 3. else `TESSERA_DATABASE_URL`, or a data directory made by `tessera init`: that database, in-process.
 * Otherwise the command refuses. A database is only opened when its vault exists: a master key (TESSERA_MASTER_KEY
 * or the data dir's master.key) and, for SQLite, the database file. So the CLI never creates a vault silently (it
 * once created a fresh vault with a fresh master key in whatever directory it ran in); `tessera init` does that.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { type Config, ConfigError, loadConfig, parseDatabaseUrl } from '../config.js';
import { createLogger } from '../log.js';
import { type App, buildApp } from '../main.js';
import { type AdminClient, adminClientFromEnv, createAdminClient } from './admin-client.js';

export interface TargetOptions {
  /** `--database <url>`: act on this database, whatever TESSERA_URL says. */
  database?: string;
}

/** Neither a server nor a database to act on: the message says how to name one. */
export class NoTarget extends ConfigError {}

export interface Target {
  client: AdminClient;
  /** `server` or `database`, for messages. */
  kind: 'server' | 'database';
  close(): Promise<void>;
}

type Env = NodeJS.ProcessEnv;

const dataDirOf = (env: Env) => resolve(env.TESSERA_DATA_DIR || './data');

/** The database URL named explicitly, and by what; undefined when none is. */
function explicitDatabase(options: TargetOptions, env: Env): { url: string; source: string } | undefined {
  if (options.database !== undefined) return { url: options.database, source: '--database' };
  if (env.TESSERA_DATABASE_URL) return { url: env.TESSERA_DATABASE_URL, source: 'TESSERA_DATABASE_URL' };
  return undefined;
}

/** A data directory `tessera init` made: its master key and its default database are there. */
function initializedDataDir(env: Env): boolean {
  const dir = dataDirOf(env);
  return existsSync(join(dir, 'master.key')) && existsSync(join(dir, 'tessera.db'));
}

const NO_TARGET =
  'nothing to administer: set TESSERA_URL and TESSERA_ADMIN_TOKEN to use a running server, give --database <url> (or ' +
  'TESSERA_DATABASE_URL) to use a database directly, or run `tessera init` to create a vault';

/**
 * The configuration of an existing vault on an explicitly named database (flag, variable or initialized data dir),
 * checked before anything is opened; throws a ConfigError saying what is missing. Generates no secret and
 * creates no file: the admin token is a throw-away one for the in-process API (`adminToken`).
 */
export function vaultConfig(options: TargetOptions, env: Env = process.env): Config {
  const named = explicitDatabase(options, env);
  if (!named && !initializedDataDir(env)) throw new NoTarget(NO_TARGET);
  const dataDir = dataDirOf(env);
  const url = named?.url ?? `sqlite:${join(dataDir, 'tessera.db')}`;
  const database = parseDatabaseUrl(url, named?.source ?? 'TESSERA_DATABASE_URL');
  const problems: string[] = [];
  if (env.NODE_ENV === 'production' && !env.TESSERA_MASTER_KEY) {
    problems.push("TESSERA_MASTER_KEY is required when NODE_ENV=production (the vault's master key)");
  } else if (!env.TESSERA_MASTER_KEY && !existsSync(join(dataDir, 'master.key'))) {
    problems.push(
      `TESSERA_MASTER_KEY is not set and ${join(dataDir, 'master.key')} does not exist: no vault here (run \`tessera init\`, or set TESSERA_DATA_DIR / TESSERA_MASTER_KEY to the vault's)`,
    );
  }
  if (database.engine === 'sqlite' && database.path !== ':memory:' && !existsSync(database.path)) {
    problems.push(
      `${named?.source ?? 'TESSERA_DATABASE_URL'}: no database at ${database.path} (run \`tessera init\` to create a vault; the CLI never creates one silently)`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loadConfig({ ...env, TESSERA_DATABASE_URL: url, TESSERA_ADMIN_TOKEN: randomBytes(32).toString('base64url') });
}

/** The in-process admin API of `config`'s database: the server's own routes, reached without a socket. */
async function inProcessTarget(config: Config, env: Env): Promise<Target> {
  // Logs go to stderr (stdout carries only results); quiet unless asked, since each request would log a line.
  const logger = createLogger(env.TESSERA_LOG_LEVEL || 'warn', pino.destination({ fd: 2, sync: true }));
  const app: App = await buildApp(config, { logger, reconciler: false });
  const client = createAdminClient('in-process', config.adminToken, async ({ method, path, headers, body }) => {
    const answer = await app.http.inject({ method, url: path, headers, ...(body !== undefined ? { payload: body } : {}) });
    return { status: answer.statusCode, text: answer.body };
  });
  return { client, kind: 'database', close: () => app.close() };
}

export async function openTarget(options: TargetOptions, env: Env = process.env): Promise<Target> {
  if (options.database === undefined && env.TESSERA_URL) return { client: adminClientFromEnv(env), kind: 'server', close: async () => undefined };
  return inProcessTarget(vaultConfig(options, env), env);
}
