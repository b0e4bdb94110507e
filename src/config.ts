/**
 * One schema over the environment, validated at start. Every bad value is a ConfigError that names the variable;
 * nothing downstream ever reads process.env.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from './paths.js';

export class ConfigError extends Error {}

export type DatabaseConfig = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export interface NetworkConfig {
  /** Unset: the simulator runs in-process. Set: the service talks to `tessera network-sim` over HTTP. */
  url?: string;
  secret: string;
  timeoutMs: number;
}

/** How long a connection may hold the HTTP server, and how many one client address may hold at once. */
export interface ConnectionLimits {
  /** A whole request (headers and body) must arrive within this many milliseconds. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this many milliseconds. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many milliseconds. */
  idleTimeoutMs: number;
  /** Concurrent connections from one client address; more are refused at once. */
  maxConnectionsPerAddress: number;
  /** At a stop, requests in flight get this long to finish before every connection is closed. */
  shutdownGraceMs: number;
}

export interface ExternalJwtIssuerConfig {
  issuer: string;
  algorithms: string[];
  audience?: string;
  jwksUrl?: string;
  publicKeyPem?: string;
}

export interface Config {
  production: boolean;
  host: string;
  port: number;
  logLevel: string;
  dataDir: string;
  database: DatabaseConfig;
  masterKey: Buffer;
  /** Former master keys, still accepted to unwrap data keys until they are re-wrapped under the current one. */
  previousMasterKeys: Buffer[];
  adminToken: string;
  binTablePath: string;
  accountTokenTtlSeconds: number;
  network: NetworkConfig;
  /**
   * How often the server's reconciler settles pending network operations and compares tokens with the network
   * (TESSERA_RECONCILE_INTERVAL_MS, default 60 s; 0: only at start-up and on demand with `tessera reconcile`).
   */
  reconcileIntervalMs: number;
  /** Timeouts and per-client connection limits of the HTTP server. */
  http: ConnectionLimits;
  externalJwtIssuer?: ExternalJwtIssuerConfig;
  /** Secrets generated on this start (development only), so the CLI can tell the operator once. */
  generated: { adminToken: boolean; masterKey: boolean };
}

const MIN_ADMIN_TOKEN_LENGTH = 24;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseMasterKey(name: string, raw: string): Buffer {
  const key = Buffer.from(raw, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || key.length !== 32) {
    throw new ConfigError(`${name} must be the base64 encoding of exactly 32 bytes (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

function parseDatabase(raw: string | undefined, dataDir: string): DatabaseConfig {
  if (raw === undefined || raw === '') return { engine: 'sqlite', path: join(dataDir, 'tessera.db') };
  return parseDatabaseUrl(raw);
}

/** `sqlite:<path>` or `postgres://…`; `name` is the setting the value came from, for the error message. */
export function parseDatabaseUrl(raw: string, name = 'TESSERA_DATABASE_URL'): DatabaseConfig {
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length);
    if (!path) throw new ConfigError(`${name} sqlite: needs a file path, e.g. sqlite:./data/tessera.db`);
    return { engine: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`${name} is not a valid postgres:// URL`);
    }
    return { engine: 'postgres', url: raw };
  }
  throw new ConfigError(`${name} must start with sqlite: or postgres://`);
}

function parseUrl(name: string, raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    return raw.replace(/\/+$/, '');
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL`);
  }
}

/** Development convenience: a secret missing from the environment is generated once and kept in the data dir. */
function devSecret(dataDir: string, file: string, make: () => string): { value: string; generated: boolean } {
  const path = join(dataDir, file);
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const value = make();
  writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' });
  return { value, generated: true };
}

function parseExternalIssuer(env: Env): ExternalJwtIssuerConfig | undefined {
  const issuer = env.TESSERA_JWT_EXTERNAL_ISSUER;
  const jwksUrl = env.TESSERA_JWT_EXTERNAL_JWKS_URL;
  const publicKeyPem = env.TESSERA_JWT_EXTERNAL_PUBLIC_KEY;
  if (!issuer && !jwksUrl && !publicKeyPem) return undefined;
  if (!issuer) throw new ConfigError('TESSERA_JWT_EXTERNAL_ISSUER (the expected iss) is required with an external JWT key');
  if (!jwksUrl === !publicKeyPem) {
    throw new ConfigError('set exactly one of TESSERA_JWT_EXTERNAL_JWKS_URL or TESSERA_JWT_EXTERNAL_PUBLIC_KEY');
  }
  const algorithms = (env.TESSERA_JWT_EXTERNAL_ALGORITHMS ?? 'RS256')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const allowed = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
  for (const alg of algorithms) {
    if (!allowed.includes(alg)) throw new ConfigError(`TESSERA_JWT_EXTERNAL_ALGORITHMS: ${alg} is not an accepted asymmetric algorithm`);
  }
  if (publicKeyPem && !publicKeyPem.includes('BEGIN PUBLIC KEY')) {
    throw new ConfigError('TESSERA_JWT_EXTERNAL_PUBLIC_KEY must be an SPKI PEM (-----BEGIN PUBLIC KEY-----)');
  }
  return {
    issuer,
    algorithms,
    ...(env.TESSERA_JWT_EXTERNAL_AUDIENCE ? { audience: env.TESSERA_JWT_EXTERNAL_AUDIENCE } : {}),
    ...(jwksUrl ? { jwksUrl: parseUrl('TESSERA_JWT_EXTERNAL_JWKS_URL', jwksUrl) } : {}),
    ...(publicKeyPem ? { publicKeyPem } : {}),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.TESSERA_DATA_DIR || './data');
  const port = intVar(env, 'PORT', 8080, 0, 65535);
  const logLevel = env.TESSERA_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`TESSERA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const database = parseDatabase(env.TESSERA_DATABASE_URL, dataDir);

  let masterKey: Buffer;
  let masterGenerated = false;
  if (env.TESSERA_MASTER_KEY) {
    masterKey = parseMasterKey('TESSERA_MASTER_KEY', env.TESSERA_MASTER_KEY);
  } else if (production) {
    throw new ConfigError('TESSERA_MASTER_KEY is required when NODE_ENV=production (base64 of 32 random bytes)');
  } else {
    const dev = devSecret(dataDir, 'master.key', () => randomBytes(32).toString('base64'));
    masterKey = parseMasterKey(`${join(dataDir, 'master.key')}`, dev.value);
    masterGenerated = dev.generated;
  }
  const previousMasterKeys = (env.TESSERA_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .map((k) => parseMasterKey('TESSERA_PREVIOUS_MASTER_KEYS', k));

  let adminToken: string;
  let adminGenerated = false;
  if (env.TESSERA_ADMIN_TOKEN) {
    adminToken = env.TESSERA_ADMIN_TOKEN;
  } else if (production) {
    throw new ConfigError('TESSERA_ADMIN_TOKEN is required when NODE_ENV=production');
  } else {
    const dev = devSecret(dataDir, 'admin.token', () => randomBytes(32).toString('base64url'));
    adminToken = dev.value;
    adminGenerated = dev.generated;
  }
  if (adminToken.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(adminToken)) {
    throw new ConfigError(`TESSERA_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`);
  }

  const binTablePath = resolve(env.TESSERA_BIN_TABLE || join(PACKAGE_ROOT, 'resources', 'bin-table.csv'));
  if (!existsSync(binTablePath)) throw new ConfigError(`TESSERA_BIN_TABLE: no file at ${binTablePath}`);

  let networkSecret = env.TESSERA_NETWORK_SECRET;
  const networkUrl = env.TESSERA_NETWORK_URL ? parseUrl('TESSERA_NETWORK_URL', env.TESSERA_NETWORK_URL) : undefined;
  if (networkUrl && !networkSecret) throw new ConfigError('TESSERA_NETWORK_SECRET is required with TESSERA_NETWORK_URL');
  if (networkSecret !== undefined && networkSecret.length < 16) {
    throw new ConfigError('TESSERA_NETWORK_SECRET must be at least 16 characters');
  }
  networkSecret ??= randomBytes(24).toString('base64url');

  const externalJwtIssuer = parseExternalIssuer(env);
  return {
    production,
    host: env.HOST || '127.0.0.1',
    port,
    logLevel,
    dataDir,
    database,
    masterKey,
    previousMasterKeys,
    adminToken,
    binTablePath,
    accountTokenTtlSeconds: intVar(env, 'TESSERA_ACCOUNT_TOKEN_TTL_SECONDS', 600, 30, 86_400),
    network: {
      ...(networkUrl ? { url: networkUrl } : {}),
      secret: networkSecret,
      timeoutMs: intVar(env, 'TESSERA_NETWORK_TIMEOUT_MS', 3000, 10, 120_000),
    },
    reconcileIntervalMs: intVar(env, 'TESSERA_RECONCILE_INTERVAL_MS', 60_000, 0, 86_400_000),
    http: {
      requestTimeoutMs: intVar(env, 'TESSERA_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
      headersTimeoutMs: intVar(env, 'TESSERA_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
      idleTimeoutMs: intVar(env, 'TESSERA_HTTP_IDLE_TIMEOUT_MS', 5_000, 100, 600_000),
      maxConnectionsPerAddress: intVar(env, 'TESSERA_HTTP_MAX_CONNECTIONS_PER_ADDRESS', 256, 1, 100_000),
      shutdownGraceMs: intVar(env, 'TESSERA_HTTP_SHUTDOWN_GRACE_MS', 5_000, 0, 600_000),
    },
    ...(externalJwtIssuer ? { externalJwtIssuer } : {}),
    generated: { adminToken: adminGenerated, masterKey: masterGenerated },
  };
}
