/**
 * One-at-a-time execution per key, in call order: each call chains onto the previous call's promise for the same
 * key. The network and the issuer use it per token, the merchant vault per card, so concurrent operations on one
 * object never interleave their read-modify-write within a process.
 */
export interface KeyedMutex {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<void>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task);
      // The tail never rejects, so one failed task does not poison the ones queued after it.
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      // Forget idle keys so the map does not grow with every token ever touched.
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
