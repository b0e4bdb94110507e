#!/usr/bin/env node
/**
 * Builds @tessera-vault/client from the repository's `src/client/**` (the sources stay where the server and its
 * tests use them; this folder only packages them):
 *
 * - dist/index.mjs                       ESM for Node and bundlers; `openpgp` stays an import (a dependency).
 * - dist/tessera-client.browser.mjs      ESM for browsers with openpgp inside: one file, no other request.
 * - dist/tessera-client.browser.iife.js  the same for a plain <script>, as the global `TesseraClient`.
 * - dist/types/*.d.ts                    declarations, by the repository's TypeScript.
 *
 * Run from anywhere: `node packages/client/build.mjs` (or `npm run build` in this folder, or `npm run build:client`).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const DIST = join(HERE, 'dist');
const ENTRY = join(ROOT, 'src', 'client', 'encrypt-card.ts');
// esbuild and typescript are the repository's dev dependencies.
const require = createRequire(join(ROOT, 'package.json'));
const esbuild = await import(require.resolve('esbuild'));

rmSync(DIST, { recursive: true, force: true });

const common = {
  entryPoints: [ENTRY],
  bundle: true,
  target: ['es2022'],
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  absWorkingDir: ROOT,
};

await Promise.all([
  esbuild.build({ ...common, outfile: join(DIST, 'index.mjs'), format: 'esm', platform: 'neutral', external: ['openpgp'] }),
  esbuild.build({ ...common, outfile: join(DIST, 'tessera-client.browser.mjs'), format: 'esm', platform: 'browser', minify: true }),
  esbuild.build({
    ...common,
    outfile: join(DIST, 'tessera-client.browser.iife.js'),
    format: 'iife',
    globalName: 'TesseraClient',
    platform: 'browser',
    minify: true,
  }),
]);

const tsc = require.resolve('typescript/bin/tsc');
const types = spawnSync(
  process.execPath,
  [
    tsc,
    ENTRY,
    '--declaration',
    '--emitDeclarationOnly',
    '--outDir',
    join(DIST, 'types'),
    '--rootDir',
    join(ROOT, 'src', 'client'),
    '--target',
    'es2022',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--strict',
    '--skipLibCheck',
    '--lib',
    'es2022,dom',
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
if (types.status !== 0) {
  process.stderr.write('building the client declarations failed\n');
  process.exit(1);
}
process.stdout.write(`built ${DIST}\n`);
