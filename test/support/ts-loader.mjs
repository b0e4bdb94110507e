/**
 * Lets Node 20 load the project's TypeScript sources natively, for the worker threads the tests start (the
 * capture-key decryption worker, test/support/faulty-decrypt-worker.ts). Node 20 has no type stripping
 * (`--experimental-strip-types` arrived in Node 22) and vitest transpiles only what runs in its own module
 * runner, not what a worker thread imports.
 *
 * vitest.config.ts passes `--import ./test/support/ts-loader.mjs` to its fork processes (`execArgv`); a worker
 * thread inherits its parent's execArgv, so every worker a test starts registers these hooks before its entry
 * runs. The server code knows nothing of this: from dist/ it starts the compiled .js worker.
 *
 * Only two things are done: a relative `./x.js` import from a .ts file that does not exist is retried as
 * `./x.ts` (the NodeNext convention), and a .ts file is transpiled with the project's own TypeScript (no type
 * check: that is `npm run typecheck`'s job). TypeScript is loaded on first use, so a process that never loads
 * a .ts file natively (vitest's own fork) does not pay for it.
 */
import { register } from 'node:module';

register('./ts-loader-hooks.mjs', import.meta.url);
