/**
 * `tessera rewrap`: re-wraps every data key under the current master key, batch after batch. Step 3 of the
 * master-key rotation (README, "Rotating the master key"), run once every instance has the new key as its current
 * one and the old key among TESSERA_PREVIOUS_MASTER_KEYS. Nothing else ever re-wraps: a process started with a new
 * key must not move data keys away from a key the running instances still need.
 *
 * Resumable: each data key is re-wrapped on its own, only if it is still wrapped by the key it was read under, so
 * an interrupted run (Ctrl-C finishes the batch in progress; a kill loses nothing committed) is completed by
 * running the command again, and a run with nothing left to do changes nothing. Progress goes to stderr, the
 * summary (data keys by master key id, before and after) to stdout as JSON. Exits 1 when data keys remain that
 * no configured key can open.
 *
 * It works on the database directly (like `tessera migrate`), with the master keys of its own environment: it
 * needs no running server, and may run beside running ones.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { systemClock } from '../clock.js';
import { openStore } from '../store/database.js';
import { createDataKeysDal } from '../keys/dal.js';
import { createDataKeys } from '../keys/data-keys.js';
import { createMasterKeyring } from '../vault/keyring.js';
import { createProgress } from './progress.js';

function wholeNumber(min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`must be a whole number of at least ${min}`);
    return Number(value);
  };
}

export function addRewrapCommand(program: Command): void {
  program
    .command('rewrap')
    .description('re-wrap every data key under the current master key (a step of the master-key rotation, see README); resumable')
    .option('--batch-size <n>', 'data keys read per batch', wholeNumber(1), 500)
    .option('--pause-ms <ms>', 'wait between batches, to spare a busy database', wholeNumber(0), 0)
    .action(async (opts: { batchSize: number; pauseMs: number }) => {
      const config = loadConfig();
      // A key generated just now (development, no TESSERA_MASTER_KEY) wraps nothing yet: re-wrapping under it
      // would tie every data key to a key the servers do not have.
      if (config.generated.masterKey) throw new ConfigError('TESSERA_MASTER_KEY is not set: rewrap re-wraps data keys under that key');
      const store = await openStore(config.database);
      let interrupted = false;
      const interrupt = () => {
        interrupted = true;
      };
      process.once('SIGINT', interrupt);
      try {
        const dataKeys = createDataKeys({
          dal: createDataKeysDal(store.db),
          keyring: createMasterKeyring(config.masterKey, config.previousMasterKeys),
          clock: systemClock,
        });
        const before = await dataKeys.wrappingSummary();
        const progress = createProgress('data keys re-wrapped');
        let rewrapped = 0;
        progress.update(0, before.rewrappable);
        while (!interrupted) {
          const batch = await dataKeys.rewrapBatch(opts.batchSize);
          rewrapped += batch.rewrapped;
          progress.update(rewrapped, before.rewrappable);
          if (!batch.more) break;
          if (opts.pauseMs > 0) await sleep(opts.pauseMs);
        }
        progress.end();
        const after = await dataKeys.wrappingSummary();
        process.stdout.write(
          `${JSON.stringify(
            {
              current_master_key_id: after.currentMasterKeyId,
              rewrapped,
              complete: !interrupted && after.rewrappable === 0 && after.unknown === 0,
              remaining: after.rewrappable,
              unreadable: after.unknown,
              before: before.byMasterKey,
              after: after.byMasterKey,
            },
            null,
            2,
          )}\n`,
        );
        if (after.unknown > 0) {
          process.stderr.write(
            `tessera: ${after.unknown} data keys are wrapped by a master key that is not configured (add it to TESSERA_PREVIOUS_MASTER_KEYS and run again)\n`,
          );
          process.exitCode = 1;
        }
        if (interrupted) process.exitCode = 130;
      } finally {
        process.removeListener('SIGINT', interrupt);
        await store.close();
      }
    });
}
