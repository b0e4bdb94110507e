/** Configuration of fair decryption and token expiry: defaults, given values, and refusals naming the variable. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const env = (overrides: Record<string, string> = {}) => ({
  TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-config-')),
  TESSERA_MASTER_KEY: randomBytes(32).toString('base64'),
  TESSERA_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
  ...overrides,
});

describe('decryption and expiry configuration', () => {
  it('defaults: workers sized by the pool, 64 decryptions per merchant, 30 days of retention, hourly job', () => {
    const config = loadConfig(env());
    expect(config.decryption).toEqual({ queuePerMerchant: 64 });
    expect(config.expiry).toEqual({ retentionDays: 30, intervalMs: 3_600_000 });
  });

  it('takes the values given', () => {
    const config = loadConfig(
      env({
        TESSERA_DECRYPT_WORKERS: '3',
        TESSERA_DECRYPT_QUEUE_PER_MERCHANT: '8',
        TESSERA_EXPIRED_TOKEN_RETENTION_DAYS: '0',
        TESSERA_EXPIRY_INTERVAL_MS: '0',
      }),
    );
    expect(config.decryption).toEqual({ workers: 3, queuePerMerchant: 8 });
    expect(config.expiry).toEqual({ retentionDays: 0, intervalMs: 0 });
  });

  it.each([
    ['TESSERA_DECRYPT_WORKERS', '0'],
    ['TESSERA_DECRYPT_QUEUE_PER_MERCHANT', 'many'],
    ['TESSERA_EXPIRED_TOKEN_RETENTION_DAYS', '-1'],
    ['TESSERA_EXPIRY_INTERVAL_MS', '1.5'],
  ])('refuses %s=%s, naming it', (name, value) => {
    let error: unknown;
    try {
      loadConfig(env({ [name]: value }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).errors.join('\n')).toContain(name);
  });
});
