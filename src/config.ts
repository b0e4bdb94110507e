/**
 * One schema over the environment, validated at start. Every bad value is a ConfigError that names the variable;
 * nothing downstream ever reads process.env.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PACKAGE_ROOT } from './paths.js';
import { weakKey, weakTextSecret } from './secret-strength.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';
import { jwksUrlRefusal } from './auth/jwks-address.js';

/**
 * A bad configuration. loadConfig reports every problem at once: `errors` lists them, one per variable, and the
 * message is that list, one per line (the first error first, so a single problem reads as before).
 */
export class ConfigError extends Error {
  readonly errors: readonly string[];

  constructor(errors: string | readonly string[]) {
    const list = typeof errors === 'string' ? [errors] : [...errors];
    super(list.join('\n'));
    this.errors = list;
  }
}

/** Collects ConfigErrors while the environment is read; anything else thrown is a bug and passes through. */
class Problems {
  readonly errors: string[] = [];

  /** The value `read` returns, or `fallback` (recording the error) when it throws a ConfigError. */
  take<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.errors.push(...error.errors);
      return fallback;
    }
  }

  add(message: string): void {
    this.errors.push(message);
  }

  throwIfAny(): void {
    if (this.errors.length > 0) throw new ConfigError(this.errors);
  }
}

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
  /** Required: an external token must name this audience (and a tenant). */
  audience: string;
  jwksUrl?: string;
  /** TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE: a JWKS over http, or at a private / loopback address (tests, labs). */
  jwksAllowPrivate?: boolean;
  publicKeyPem?: string;
}

/** Per-minute limits of the edges (0 turns one off) and the fixed delay of a failed merchant authentication. */
export interface RateLimitConfig {
  /** TESSERA_RATE_LIMIT_PER_ADDRESS: requests a minute from one client address, before authentication. */
  perAddress: number;
  /** TESSERA_RATE_LIMIT_PER_CREDENTIAL: requests a minute per API key, account-token subject, or the admin token. */
  perCredential: number;
  /** TESSERA_AUTH_FAILURES_PER_ADDRESS: failed merchant authentications a minute from one address. */
  authFailuresPerAddress: number;
  /** TESSERA_AUTH_FAILURES_PER_KEY: failed merchant authentications a minute naming one API key id. */
  authFailuresPerKey: number;
  /** TESSERA_AUTH_FAILURE_DELAY_MS: a failed merchant authentication is answered after at least this long. */
  authFailureDelayMs: number;
}

/** Webhook delivery by the outbox relay (webhooks/relay.ts) and retention of delivered events. */
export interface WebhookConfig {
  /** TESSERA_WEBHOOK_MAX_ATTEMPTS: attempts of one delivery, the first included; after the last it is dead. */
  maxAttempts: number;
  /** TESSERA_WEBHOOK_RETRY_BASE_MS / _CAP_MS: before attempt n, a wait of d/2 + random·d/2 with d = min(cap, base·2^(n-2)). */
  retryBaseMs: number;
  retryCapMs: number;
  /** TESSERA_WEBHOOK_TIMEOUT_MS: one request, connection to last byte. */
  timeoutMs: number;
  /** TESSERA_WEBHOOK_LEASE_MS: how long a claimed delivery is reserved for the instance sending it (> timeout). */
  leaseMs: number;
  /** TESSERA_WEBHOOK_POLL_MS: how often the relay looks for work when idle. */
  pollMs: number;
  /** TESSERA_WEBHOOK_CONCURRENCY: requests in flight per instance. */
  concurrency: number;
  /** TESSERA_WEBHOOK_DISABLE_AFTER_FAILURES and _SECONDS: an endpoint failing that many attempts in a row, for that long, is disabled. */
  disableAfterFailures: number;
  disableAfterSeconds: number;
  /** TESSERA_WEBHOOK_SECRET_OVERLAP_SECONDS: default time the previous secret keeps signing after a rotation. */
  secretOverlapSeconds: number;
  /** TESSERA_WEBHOOK_ALLOW_PRIVATE: private, loopback and link-local destinations allowed (tests, labs). */
  allowPrivate: boolean;
  /** TESSERA_WEBHOOK_ALLOWED_HOSTS: hosts allowed over http in production and at internal addresses. */
  allowedHosts: string[];
  /** TESSERA_EVENT_RETENTION_HOURS: delivered events older than this are pruned (0: kept forever). */
  retentionHours: number;
}

/** TESSERA_NATS_URL (and _STREAM, _SUBJECT_PREFIX): every event published to NATS JetStream. */
export interface NatsConfig {
  url: string;
  stream: string;
  subjectPrefix: string;
}

export type LogFormat = 'json' | 'pretty';

export interface AuditConfig {
  /** TESSERA_AUDIT_ANCHOR_EVERY: a chain is anchored once this many records were appended since its last anchor. */
  anchorEveryRecords: number;
  /** TESSERA_AUDIT_ANCHOR_INTERVAL_SECONDS (in ms here): newer records are anchored at the latest this long after. */
  anchorIntervalMs: number;
  /** TESSERA_AUDIT_FAILED_AUTH_KEYS_PER_MINUTE: distinct failed-authentication records a minute before they are pooled. */
  failedAuthKeysPerMinute: number;
}

export interface Config {
  production: boolean;
  host: string;
  port: number;
  logLevel: string;
  /** `json` (default): one JSON object a line. `pretty`: human-readable through pino-pretty, for a terminal. */
  logFormat: LogFormat;
  /**
   * Whether `/sandbox/v1` (fault injection, wallet events, provisioning) is mounted: on in development, off in
   * production unless TESSERA_SANDBOX=on.
   */
  sandbox: boolean;
  /** When set, `/metrics` wants `Authorization: Bearer <token>` (TESSERA_METRICS_TOKEN). */
  metricsToken?: string;
  dataDir: string;
  database: DatabaseConfig;
  /** PostgreSQL: how long start-up waits for the database to answer, with backoff (TESSERA_DATABASE_WAIT_SECONDS). */
  databaseWaitSeconds: number;
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
  rateLimits: RateLimitConfig;
  audit: AuditConfig;
  externalJwtIssuer?: ExternalJwtIssuerConfig;
  webhooks: WebhookConfig;
  nats?: NatsConfig;
  /** Secrets generated on this start (development only), so the CLI can tell the operator once. */
  generated: { adminToken: boolean; masterKey: boolean };
  /**
   * Card decryption (src/vault/decrypt-pool.ts): worker threads (TESSERA_DECRYPT_WORKERS, default one per core
   * beyond the first, at least one) and how many decryptions one merchant may have queued or running
   * (TESSERA_DECRYPT_QUEUE_PER_MERCHANT, default 64; beyond it, 429 with Retry-After).
   */
  decryption: { workers?: number; queuePerMerchant: number };
  /**
   * Expired merchant tokens: their sealed card is destroyed once expired for TESSERA_EXPIRED_TOKEN_RETENTION_DAYS
   * (default 30), by a job run every TESSERA_EXPIRY_INTERVAL_MS (default 1 h; 0: only with `tessera expire`).
   */
  expiry: { retentionDays: number; intervalMs: number };
}

const MIN_ADMIN_TOKEN_LENGTH = 24;
const MIN_METRICS_TOKEN_LENGTH = 16;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];
const SWITCH_VALUES: Record<string, boolean> = { on: true, off: false, true: true, false: false, '1': true, '0': false };

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
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const value = make();
  writeFileSync(path, value + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
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
  // Without an audience, a token the IdP minted for any other application would be accepted here.
  const audience = env.TESSERA_JWT_EXTERNAL_AUDIENCE;
  if (!audience) throw new ConfigError('TESSERA_JWT_EXTERNAL_AUDIENCE (the aud external account tokens must carry) is required with an external JWT issuer');
  const jwksAllowPrivate = switchVar(env, 'TESSERA_JWT_EXTERNAL_JWKS_ALLOW_PRIVATE', false);
  if (jwksUrl) {
    const refusal = jwksUrlRefusal(jwksUrl, jwksAllowPrivate);
    if (refusal) throw new ConfigError(`TESSERA_JWT_EXTERNAL_JWKS_URL ${refusal}`);
  }
  return {
    issuer,
    algorithms,
    audience,
    ...(jwksUrl ? { jwksUrl: parseUrl('TESSERA_JWT_EXTERNAL_JWKS_URL', jwksUrl), jwksAllowPrivate } : {}),
    ...(publicKeyPem ? { publicKeyPem } : {}),
  };
}

/** `on` / `off` (also true/false, 1/0); unset or empty gives `fallback`. */
function switchVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = SWITCH_VALUES[raw.toLowerCase()];
  if (value === undefined) throw new ConfigError(`${name} must be on or off, got "${raw}"`);
  return value;
}

/**
 * A `sqlite:` file must go into a directory that exists: a typo in the path must not silently start an empty
 * vault somewhere new. Only the data directory (TESSERA_DATA_DIR, home of the default database) is created.
 */
function checkSqliteDirectory(database: DatabaseConfig, dataDir: string): void {
  if (database.engine !== 'sqlite' || database.path === ':memory:') return;
  const dir = dirname(database.path);
  if (dir === dataDir) return;
  if (!existsSync(dir)) {
    throw new ConfigError(`TESSERA_DATABASE_URL: the directory ${dir} does not exist (create it first; only TESSERA_DATA_DIR is created on demand)`);
  }
  if (!statSync(dir).isDirectory()) throw new ConfigError(`TESSERA_DATABASE_URL: ${dir} is not a directory`);
}

/** In production a text secret must look generated (secret-strength.ts); the message never contains the value. */
function requireStrongText(production: boolean, name: string, value: string): void {
  if (!production) return;
  const weakness = weakTextSecret(value);
  if (weakness) throw new ConfigError(`${name} ${weakness}; in production use a generated secret, e.g. \`openssl rand -base64 32\``);
}

/** A development secret already in the data dir, or undefined when it is still to be generated. */
function existingDevSecret(dataDir: string, file: string): string | undefined {
  const path = join(dataDir, file);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

export function loadConfig(env: Env = process.env): Config {
  const problems = new Problems();
  const production = env.NODE_ENV === 'production';
  const dataDir = resolve(env.TESSERA_DATA_DIR || './data');
  const port = problems.take(() => intVar(env, 'PORT', 8080, 0, 65535), 8080);
  const logLevel = env.TESSERA_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.add(`TESSERA_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (env.TESSERA_LOG_FORMAT || 'json') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) problems.add(`TESSERA_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);
  const sandbox = problems.take(() => switchVar(env, 'TESSERA_SANDBOX', !production), false);
  const database = problems.take(() => {
    const parsed = parseDatabase(env.TESSERA_DATABASE_URL, dataDir);
    checkSqliteDirectory(parsed, dataDir);
    return parsed;
  }, undefined);

  // Secrets: from the environment, or in development from (or later into) the data dir. Nothing is generated
  // before every other value has been checked, so a bad configuration leaves the data dir as it was.
  const masterKeyFile = join(dataDir, 'master.key');
  let masterKey = problems.take((): Buffer | undefined => {
    if (env.TESSERA_MASTER_KEY) {
      const key = parseMasterKey('TESSERA_MASTER_KEY', env.TESSERA_MASTER_KEY);
      const weakness = production ? weakKey(key) : undefined;
      if (weakness) throw new ConfigError(`TESSERA_MASTER_KEY ${weakness}; generate one with \`openssl rand -base64 32\``);
      return key;
    }
    if (production) throw new ConfigError('TESSERA_MASTER_KEY is required when NODE_ENV=production (base64 of 32 random bytes)');
    const existing = existingDevSecret(dataDir, 'master.key');
    return existing === undefined ? undefined : parseMasterKey(masterKeyFile, existing);
  }, undefined);
  // Former keys are not held to the strength rule: they are given precisely to move data away from them.
  const previousMasterKeys = problems.take(
    () =>
      (env.TESSERA_PREVIOUS_MASTER_KEYS ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
        .map((k) => parseMasterKey('TESSERA_PREVIOUS_MASTER_KEYS', k)),
    [],
  );

  let adminToken = problems.take((): string | undefined => {
    let token: string | undefined;
    if (env.TESSERA_ADMIN_TOKEN) token = env.TESSERA_ADMIN_TOKEN;
    else if (production) throw new ConfigError('TESSERA_ADMIN_TOKEN is required when NODE_ENV=production');
    else token = existingDevSecret(dataDir, 'admin.token');
    if (token === undefined) return undefined;
    if (token.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(token)) {
      throw new ConfigError(`TESSERA_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces`);
    }
    requireStrongText(production, 'TESSERA_ADMIN_TOKEN', token);
    return token;
  }, undefined);

  const binTablePath = resolve(env.TESSERA_BIN_TABLE || join(PACKAGE_ROOT, 'resources', 'bin-table.csv'));
  if (!existsSync(binTablePath)) problems.add(`TESSERA_BIN_TABLE: no file at ${binTablePath}`);

  const givenNetworkSecret = env.TESSERA_NETWORK_SECRET;
  const networkUrl = problems.take(() => (env.TESSERA_NETWORK_URL ? parseUrl('TESSERA_NETWORK_URL', env.TESSERA_NETWORK_URL) : undefined), undefined);
  if (env.TESSERA_NETWORK_URL && !givenNetworkSecret) {
    problems.add('TESSERA_NETWORK_SECRET is required with TESSERA_NETWORK_URL');
  } else if (givenNetworkSecret !== undefined) {
    if (givenNetworkSecret.length < 16) problems.add('TESSERA_NETWORK_SECRET must be at least 16 characters');
    else problems.take(() => requireStrongText(production, 'TESSERA_NETWORK_SECRET', givenNetworkSecret), undefined);
  }
  const networkSecret = givenNetworkSecret ?? randomBytes(24).toString('base64url');

  const metricsToken = env.TESSERA_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined) {
    if (metricsToken.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(metricsToken)) {
      problems.add(`TESSERA_METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_LENGTH} characters without spaces`);
    } else {
      problems.take(() => requireStrongText(production, 'TESSERA_METRICS_TOKEN', metricsToken), undefined);
    }
  }

  const externalJwtIssuer = problems.take(() => parseExternalIssuer(env), undefined);
  const accountTokenTtlSeconds = problems.take(() => intVar(env, 'TESSERA_ACCOUNT_TOKEN_TTL_SECONDS', 600, 30, 86_400), 600);
  const networkTimeoutMs = problems.take(() => intVar(env, 'TESSERA_NETWORK_TIMEOUT_MS', 3000, 10, 120_000), 3000);
  const reconcileIntervalMs = problems.take(() => intVar(env, 'TESSERA_RECONCILE_INTERVAL_MS', 60_000, 0, 86_400_000), 60_000);
  const http: ConnectionLimits = {
    requestTimeoutMs: problems.take(() => intVar(env, 'TESSERA_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000), 30_000),
    headersTimeoutMs: problems.take(() => intVar(env, 'TESSERA_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000), 10_000),
    idleTimeoutMs: problems.take(() => intVar(env, 'TESSERA_HTTP_IDLE_TIMEOUT_MS', 5_000, 100, 600_000), 5_000),
    maxConnectionsPerAddress: problems.take(() => intVar(env, 'TESSERA_HTTP_MAX_CONNECTIONS_PER_ADDRESS', 256, 1, 100_000), 256),
    shutdownGraceMs: problems.take(() => intVar(env, 'TESSERA_HTTP_SHUTDOWN_GRACE_MS', 5_000, 0, 600_000), 5_000),
  };
  const rateLimits: RateLimitConfig = {
    perAddress: problems.take(() => intVar(env, 'TESSERA_RATE_LIMIT_PER_ADDRESS', 12_000, 0, 10_000_000), 12_000),
    perCredential: problems.take(() => intVar(env, 'TESSERA_RATE_LIMIT_PER_CREDENTIAL', 6_000, 0, 10_000_000), 6_000),
    authFailuresPerAddress: problems.take(() => intVar(env, 'TESSERA_AUTH_FAILURES_PER_ADDRESS', 60, 0, 1_000_000), 60),
    authFailuresPerKey: problems.take(() => intVar(env, 'TESSERA_AUTH_FAILURES_PER_KEY', 60, 0, 1_000_000), 60),
    authFailureDelayMs: problems.take(() => intVar(env, 'TESSERA_AUTH_FAILURE_DELAY_MS', 100, 0, 10_000), 100),
  };
  const webhooks = parseWebhookConfig(env, problems);
  const nats = problems.take(() => parseNats(env), undefined);
  const databaseWaitSeconds = problems.take(() => intVar(env, 'TESSERA_DATABASE_WAIT_SECONDS', 60, 0, 86_400), 60);
  const decryptWorkers = env.TESSERA_DECRYPT_WORKERS ? problems.take(() => intVar(env, 'TESSERA_DECRYPT_WORKERS', 1, 1, 256), 1) : undefined;
  const decryptQueuePerMerchant = problems.take(() => intVar(env, 'TESSERA_DECRYPT_QUEUE_PER_MERCHANT', 64, 1, 100_000), 64);
  const retentionDays = problems.take(() => intVar(env, 'TESSERA_EXPIRED_TOKEN_RETENTION_DAYS', 30, 0, 36_500), 30);
  const expiryIntervalMs = problems.take(() => intVar(env, 'TESSERA_EXPIRY_INTERVAL_MS', 3_600_000, 0, 86_400_000), 3_600_000);
  const audit: AuditConfig = {
    anchorEveryRecords: problems.take(() => intVar(env, 'TESSERA_AUDIT_ANCHOR_EVERY', 1000, 1, 10_000_000), 1000),
    anchorIntervalMs: problems.take(() => intVar(env, 'TESSERA_AUDIT_ANCHOR_INTERVAL_SECONDS', 60, 1, 86_400), 60) * 1000,
    failedAuthKeysPerMinute: problems.take(() => intVar(env, 'TESSERA_AUDIT_FAILED_AUTH_KEYS_PER_MINUTE', 1000, 1, 1_000_000), 1000),
  };
  problems.throwIfAny();
  // Defined once no error was recorded (its fallback is only taken with one); this narrows the type.
  if (database === undefined) throw new ConfigError('TESSERA_DATABASE_URL could not be read');

  // Every value is valid: now (development only) the missing secrets are generated into the data dir.
  let masterGenerated = false;
  if (masterKey === undefined) {
    const dev = devSecret(dataDir, 'master.key', () => randomBytes(32).toString('base64'));
    masterKey = parseMasterKey(masterKeyFile, dev.value);
    masterGenerated = dev.generated;
  }
  let adminGenerated = false;
  if (adminToken === undefined) {
    const dev = devSecret(dataDir, 'admin.token', () => randomBytes(32).toString('base64url'));
    adminToken = dev.value;
    adminGenerated = dev.generated;
  }

  return {
    production,
    host: env.HOST || '127.0.0.1',
    port,
    logLevel,
    logFormat,
    sandbox,
    ...(metricsToken !== undefined ? { metricsToken } : {}),
    dataDir,
    database,
    databaseWaitSeconds,
    masterKey,
    previousMasterKeys,
    adminToken,
    binTablePath,
    accountTokenTtlSeconds,
    network: {
      ...(networkUrl ? { url: networkUrl } : {}),
      secret: networkSecret,
      timeoutMs: networkTimeoutMs,
    },
    reconcileIntervalMs,
    http,
    rateLimits,
    audit,
    ...(externalJwtIssuer ? { externalJwtIssuer } : {}),
    webhooks,
    ...(nats ? { nats } : {}),
    generated: { adminToken: adminGenerated, masterKey: masterGenerated },
    decryption: { ...(decryptWorkers !== undefined ? { workers: decryptWorkers } : {}), queuePerMerchant: decryptQueuePerMerchant },
    expiry: { retentionDays, intervalMs: expiryIntervalMs },
  };
}

function parseWebhookConfig(env: Env, problems: Problems): WebhookConfig {
  const int = (name: string, fallback: number, min: number, max: number) => problems.take(() => intVar(env, name, fallback, min, max), fallback);
  const timeoutMs = int('TESSERA_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000);
  const leaseMs = int('TESSERA_WEBHOOK_LEASE_MS', 60_000, 200, 3_600_000);
  // A lease shorter than a request would let another instance send the same delivery while it is in flight.
  if (leaseMs <= timeoutMs) problems.add(`TESSERA_WEBHOOK_LEASE_MS (${leaseMs}) must be longer than TESSERA_WEBHOOK_TIMEOUT_MS (${timeoutMs})`);
  const retryBaseMs = int('TESSERA_WEBHOOK_RETRY_BASE_MS', 10_000, 1, 86_400_000);
  const retryCapMs = int('TESSERA_WEBHOOK_RETRY_CAP_MS', 6 * 3_600_000, 1, 7 * 86_400_000);
  if (retryCapMs < retryBaseMs) problems.add('TESSERA_WEBHOOK_RETRY_CAP_MS must be at least TESSERA_WEBHOOK_RETRY_BASE_MS');
  return {
    maxAttempts: int('TESSERA_WEBHOOK_MAX_ATTEMPTS', 12, 1, 100),
    retryBaseMs,
    retryCapMs,
    timeoutMs,
    leaseMs,
    pollMs: int('TESSERA_WEBHOOK_POLL_MS', 500, 10, 60_000),
    concurrency: int('TESSERA_WEBHOOK_CONCURRENCY', 8, 1, 256),
    disableAfterFailures: int('TESSERA_WEBHOOK_DISABLE_AFTER_FAILURES', 100, 1, 1_000_000),
    disableAfterSeconds: int('TESSERA_WEBHOOK_DISABLE_AFTER_SECONDS', 3 * 86_400, 0, 365 * 86_400),
    secretOverlapSeconds: int('TESSERA_WEBHOOK_SECRET_OVERLAP_SECONDS', 86_400, 0, 30 * 86_400),
    allowPrivate: problems.take(() => switchVar(env, 'TESSERA_WEBHOOK_ALLOW_PRIVATE', false), false),
    allowedHosts: (env.TESSERA_WEBHOOK_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean),
    retentionHours: int('TESSERA_EVENT_RETENTION_HOURS', 7 * 24, 0, 10 * 365 * 24),
  };
}

function parseNats(env: Env): NatsConfig | undefined {
  const url = env.TESSERA_NATS_URL;
  if (!url) return undefined;
  if (!/^(nats|tls|wss?):\/\/[^\s]+$/.test(url)) throw new ConfigError('TESSERA_NATS_URL must be a nats:// (or tls://) URL, e.g. nats://127.0.0.1:4222');
  const stream = env.TESSERA_NATS_STREAM || 'TESSERA';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) throw new ConfigError('TESSERA_NATS_STREAM must be 1 to 64 letters, digits, - or _');
  const subjectPrefix = env.TESSERA_NATS_SUBJECT_PREFIX || 'tessera';
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(subjectPrefix))
    throw new ConfigError('TESSERA_NATS_SUBJECT_PREFIX must be dot-separated tokens, e.g. tessera');
  return { url, stream, subjectPrefix };
}
