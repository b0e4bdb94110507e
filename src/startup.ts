/**
 * What the server says when it starts: one line (one log object) with what an operator checks first — version,
 * database engine and where (never its credentials), how the card network is reached, whether the sandbox is
 * mounted, the address — and the warnings that matter in production. Also the notice of development secrets
 * generated on this start, whose admin token is shown only on a terminal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { PACKAGE_ROOT } from './paths.js';

/** The version in the package's own package.json (the one running, wherever the process was started from). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

export interface StartupLine {
  msg: 'tessera started';
  version: string;
  mode: 'production' | 'development';
  engine: 'sqlite' | 'postgres';
  /** `sqlite:/abs/path` or the PostgreSQL URL without user, password or query string. */
  database: string;
  network: 'in-process' | 'http';
  /** The network simulator's URL (credentials removed) when `network` is `http`. */
  networkUrl?: string;
  sandbox: 'on' | 'off';
  address: string;
  metrics: 'open' | 'token';
  warnings: string[];
}

/** A URL without userinfo, query or fragment: what may be printed of a connection string. */
export function withoutCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return '[unparseable URL]';
  }
}

/** `address` is the bound address once listening (port 0 gives a real port); default from the configuration. */
export function describeStartup(config: Config, version: string, address?: string): StartupLine {
  const database = config.database.engine === 'sqlite' ? `sqlite:${config.database.path}` : withoutCredentials(config.database.url);
  const warnings: string[] = [];
  if (config.production) {
    if (config.database.engine === 'sqlite') {
      warnings.push('SQLite in production: one process on one machine, no replication; use PostgreSQL (TESSERA_DATABASE_URL=postgres://…)');
    }
    if (!config.network.url) {
      warnings.push('the card network is the in-process simulator: no real VTS or MDES is reached (TESSERA_NETWORK_URL)');
    }
    if (config.sandbox) warnings.push('the sandbox (/sandbox/v1: fault injection, wallet events, provisioning) is on in production (TESSERA_SANDBOX=on)');
    if (config.metricsToken === undefined) warnings.push('/metrics is open to anyone who can reach the port (set TESSERA_METRICS_TOKEN)');
  }
  return {
    msg: 'tessera started',
    version,
    mode: config.production ? 'production' : 'development',
    engine: config.database.engine,
    database,
    network: config.network.url ? 'http' : 'in-process',
    ...(config.network.url ? { networkUrl: withoutCredentials(config.network.url) } : {}),
    sandbox: config.sandbox ? 'on' : 'off',
    address: address ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    metrics: config.metricsToken === undefined ? 'open' : 'token',
    warnings,
  };
}

/**
 * What to tell the operator about secrets generated on this start (development only), or '' when none were.
 * The admin token itself is written only when stderr is a terminal: piped into a log file it would sit there in
 * clear, so then the notice says where the token is kept instead.
 */
export function generatedSecretsNotice(config: Pick<Config, 'generated' | 'dataDir' | 'adminToken'>, stderrIsTTY: boolean): string {
  let notice = '';
  if (config.generated.masterKey) {
    notice += `tessera: generated a development master key in ${join(config.dataDir, 'master.key')} (set TESSERA_MASTER_KEY in production)\n`;
  }
  if (config.generated.adminToken) {
    const file = join(config.dataDir, 'admin.token');
    notice += stderrIsTTY
      ? `tessera: generated a development admin token (kept in ${file}):\n\n  ${config.adminToken}\n\n`
      : `tessera: generated a development admin token, kept in ${file} (not printed: stderr is not a terminal)\n`;
  }
  return notice;
}
