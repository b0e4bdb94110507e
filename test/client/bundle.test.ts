/**
 * The @tessera-vault/client package, built for real with esbuild from src/client: the three builds and the
 * declarations exist; in a separate Node process (no vitest transforms) the Node build and the self-contained
 * browser bundle export encryptCard, and a card each encrypts is decrypted with the matching private key.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decrypt, generateKey, readMessage, readPrivateKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const PACKAGE = join(ROOT, 'packages', 'client');
const DIST = join(PACKAGE, 'dist');

function run(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

let publicKeyBase64: string;
let privateKeyArmored: string;

beforeAll(async () => {
  const build = await run([join(PACKAGE, 'build.mjs')]);
  expect(build.code, build.stderr).toBe(0);
  const { privateKey, publicKey } = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'capture' }], format: 'armored' });
  privateKeyArmored = privateKey;
  publicKeyBase64 = Buffer.from(publicKey, 'utf8').toString('base64');
}, 120_000);

/** Imports `file` in a plain Node process, encrypts a card with it, prints its export names and the ciphertext. */
async function encryptWith(file: string): Promise<{ exports: string[]; encrypted: string }> {
  const script = `
    const module = await import(${JSON.stringify(pathToFileURL(file).href)});
    const key = (await new Promise((r) => { let s = ''; process.stdin.on('data', (c) => (s += c)); process.stdin.on('end', () => r(s)); })).trim();
    const encrypted = await module.encryptCard({ cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2030, cvv: '123' }, key);
    process.stdout.write(JSON.stringify({ exports: Object.keys(module).sort(), encrypted }));
  `;
  const result = await run(['--input-type=module', '-e', script], publicKeyBase64);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { exports: string[]; encrypted: string };
}

async function decryptCard(encrypted: string): Promise<Record<string, unknown>> {
  const armored = Buffer.from(encrypted, 'base64').toString('utf8');
  const { data } = await decrypt({
    message: await readMessage({ armoredMessage: armored }),
    decryptionKeys: await readPrivateKey({ armoredKey: privateKeyArmored }),
  });
  return JSON.parse(String(data)) as Record<string, unknown>;
}

describe('@tessera-vault/client build', () => {
  it('produces the Node build, the browser bundles, source maps, licence notices and declarations named by package.json', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown>; types: string };
    expect(pkg.name).toBe('@tessera-vault/client');
    const targets = JSON.stringify(pkg.exports).match(/\.\/dist\/[^"]+/g) ?? [];
    expect(targets.length).toBeGreaterThan(3);
    for (const target of [...targets, pkg.types]) expect(existsSync(join(PACKAGE, target)), target).toBe(true);
    for (const file of ['tessera-client.browser.mjs.map', 'tessera-client.browser.mjs.LEGAL.txt', 'index.mjs.map'])
      expect(existsSync(join(DIST, file)), file).toBe(true);
    expect(readFileSync(join(DIST, 'types', 'encrypt-card.d.ts'), 'utf8')).toContain('export declare function encryptCard');
  });

  it('the browser bundle is self-contained: openpgp inside, no import left, no Node built-in', () => {
    for (const file of ['tessera-client.browser.mjs', 'tessera-client.browser.iife.js']) {
      const text = readFileSync(join(DIST, file), 'utf8');
      expect(text, file).not.toMatch(/\bimport\s*(?:[\w{},*\s]+from\s*)?["'][^"']+["']/);
      expect(text, file).not.toMatch(/\brequire\(["']/);
      expect(text, file).not.toMatch(/["']node:/);
      expect(text, file).toContain('OpenPGP.js');
    }
    expect(readFileSync(join(DIST, 'tessera-client.browser.iife.js'), 'utf8')).toMatch(/^(?:"use strict";)?var TesseraClient\s*=/);
    // The Node build leaves openpgp to the package's dependency.
    expect(readFileSync(join(DIST, 'index.mjs'), 'utf8')).toMatch(/from\s*"openpgp"/);
  });

  it.each(['index.mjs', 'tessera-client.browser.mjs'])(
    '%s exports encryptCard, and its ciphertext decrypts to the card',
    async (file) => {
      const { exports, encrypted } = await encryptWith(join(DIST, file));
      expect(exports).toEqual([
        'WebhookVerificationError',
        'captureTimeNow',
        'decodeDistributedPublicKey',
        'encodePublicKeyForDistribution',
        'encryptCard',
        'serializeCard',
        'verifyWebhook',
      ]);
      expect(encrypted).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const card = await decryptCard(encrypted);
      expect(card).toMatchObject({ cardNumber: '4111111111111111', expiryMonth: 12, expiryYear: 2030, cvv: '123' });
      expect(card.captureTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    },
    60_000,
  );

  it('the example page loads the browser bundle and its script, no inline script', () => {
    const html = readFileSync(join(PACKAGE, 'example', 'index.html'), 'utf8');
    expect(html).toContain('<script type="module" src="./capture.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(readFileSync(join(PACKAGE, 'example', 'capture.js'), 'utf8')).toContain("from '../dist/tessera-client.browser.mjs'");
  });
});
