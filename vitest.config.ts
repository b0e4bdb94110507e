import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Worker threads started by the tests (the capture-key decryption worker) run outside vitest's module runner
    // and inherit these flags: the loader lets them import the TypeScript sources, so no build is needed first.
    execArgv: ['--import', './test/support/ts-loader.mjs'],
  },
});
