#!/usr/bin/env node
/**
 * `npm start`: serve the built server, compiling first only when the sources changed since the last build.
 *
 * Why a script and not `npm run build && node …`: npm 11 runs a script as `sh -c '<script>'` and forwards SIGTERM
 * to that child only. With an `&&` chain — and even with a single command: Debian's dash does not exec it — the
 * shell is npm's child and node the shell's, so the signal stops the shell and leaves the server running orphaned
 * (measured). Hence `"start": "exec node scripts/start.mjs"`: the shell replaces itself with node, npm's child
 * IS this process, and the server runs inside it (the CLI is imported, not spawned), so SIGTERM and SIGINT reach
 * the server's own shutdown handlers. If the parent dies without forwarding anything, watchParent() notices.
 *
 * Staleness: the build is current when its stamp (written after a successful compile) is newer than every file AND
 * directory under src/ and the compiler configuration. Directory times catch deleted and renamed files too. The
 * compile itself is incremental (tsconfig.build.json, src/ only), so a small change recompiles quickly.
 *
 * Arguments after `--` go to `tessera serve`; TESSERA_START_FORCE_BUILD=1 compiles regardless.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.start-build-stamp');
const ENTRY = join(DIST, 'src', 'cli', 'main.js');
const INPUTS = [join(ROOT, 'src'), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.build.json'), join(ROOT, 'package.json')];

/** The newest modification time among `path` and, for a directory, everything under it. */
function newestMtime(path) {
  const stat = statSync(path);
  let newest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** Why a build is needed, or undefined when dist/ is current. */
export function staleReason() {
  if (process.env.TESSERA_START_FORCE_BUILD === '1') return 'TESSERA_START_FORCE_BUILD=1';
  if (!existsSync(ENTRY) || !existsSync(STAMP)) return 'no build yet';
  const built = statSync(STAMP).mtimeMs;
  const changed = INPUTS.filter((input) => existsSync(input) && newestMtime(input) > built);
  return changed.length > 0 ? `changed since the last build: ${changed.map((p) => p.slice(ROOT.length + 1)).join(', ')}` : undefined;
}

function build(reason) {
  process.stderr.write(`tessera: compiling (${reason})…\n`);
  const started = Date.now();
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    process.stderr.write('tessera: the build is missing or stale and TypeScript is not installed (run npm install, or npm run build)\n');
    process.exit(1);
  }
  // Stamp the time the compile STARTED: a source saved while tsc runs is then newer than the stamp, so stale.
  const stampTime = new Date();
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  // tsc exits 2 when it found type errors but wrote every output (DiagnosticsPresent_OutputsGenerated): the server
  // can run, as under a transpile-only runner, and the errors above say what to fix (the typecheck and CI refuse
  // them). Any other failure means missing outputs: do not start a half-built server.
  if (result.status === 2) {
    process.stderr.write('tessera: WARNING: the sources have type errors (above); starting the compiled output anyway\n');
  } else if (result.status !== 0) {
    process.stderr.write(`tessera: compilation failed (exit ${result.status ?? result.signal}); not starting\n`);
    process.exit(1);
  }
  writeFileSync(STAMP, `${stampTime.toISOString()}\n`);
  utimesSync(STAMP, stampTime, stampTime);
  process.stderr.write(`tessera: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/**
 * When the parent goes away without passing a signal on (npm killed with SIGKILL, a terminal closed), this process
 * is re-parented; it then stops the server the same way SIGTERM does instead of running on, orphaned.
 */
function watchParent() {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.stderr.write('tessera: the parent process went away; stopping\n');
      process.kill(process.pid, 'SIGTERM');
    }
  }, 1000);
  timer.unref();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const reason = staleReason();
  if (reason) build(reason);
  watchParent();
  // Hand the process to the CLI as if it had been started as `node dist/src/cli/main.js serve …`.
  const args = process.argv.slice(2);
  process.argv = [process.argv[0], ENTRY, 'serve', ...args];
  await import(pathToFileURL(ENTRY).href);
}
