/**
 * The CLI compiled from the current sources into a directory of its own under dist/ (so suites building at the
 * same time never write the same files), for suites that run many CLI commands: a compiled command starts in a
 * fraction of the time one run through the TypeScript loader takes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './child-server.js';

/** Compiles src/cli/main.ts's import graph into dist/<name>/ and answers the path of its main.js. */
export async function buildCli(name: string): Promise<string> {
  const outDir = join(ROOT, 'dist', name);
  const configPath = join(mkdtempSync(join(tmpdir(), 'tessera-cli-build-')), 'tsconfig.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { rootDir: ROOT, outDir, typeRoots: [join(ROOT, 'node_modules', '@types')] },
      // The decryption worker is started by URL, not imported: listed so that it is compiled too.
      files: [join(ROOT, 'src', 'cli', 'main.ts'), join(ROOT, 'src', 'vault', 'decrypt-worker.ts')],
      include: [],
    }),
  );
  const tsc = spawn(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', configPath], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  tsc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  tsc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => tsc.once('close', resolve));
  if (code !== 0) throw new Error(`building the CLI failed:\n${output}`);
  return join(outDir, 'src', 'cli', 'main.js');
}
