/**
 * The change feed (store/change-feed.ts) on a real database: a change published in a transaction is heard with
 * its subject (PostgreSQL NOTIFY), a rolled-back one is never heard, and a version heard with a gap (a notification
 * missed) or found only by the poll drops everything of the topic (no subject), since which subjects changed is
 * not known.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { type Change, type ChangeFeed, createChangeFeed } from '../../src/store/change-feed.js';
import { openStore, type Store } from '../../src/store/database.js';
import { ENGINES, type EngineName, freshDatabase, type TestDatabase } from '../support/engines.js';

const silent = { warn: () => undefined, info: () => undefined };

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A database of the block's own, and the feeds its tests make (closed after them). */
function useFeeds(engine: EngineName) {
  let database: TestDatabase;
  let store: Store;
  const feeds: ChangeFeed[] = [];
  const feed = (pollIntervalMs: number) => {
    const made = createChangeFeed({ db: store.db, transact: store.transact, database: database.config, log: silent, clock: systemClock, pollIntervalMs });
    feeds.push(made);
    return made;
  };
  /** A version bump that announces nothing: what a missed notification looks like to a listener. */
  const silentBump = () =>
    store.db
      .updateTable('cache_versions')
      .set((eb) => ({ version: eb('version', '+', 1) }))
      .where('topic', '=', 'api_key')
      .execute();

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
  });
  afterAll(async () => {
    for (const made of feeds) await made.close();
    await store?.close();
    await database?.drop();
  });

  return { feed, silentBump, store: () => store };
}

describe.each(ENGINES)('the change feed on %s', (engine) => {
  const { feed, store } = useFeeds(engine);
  it('the poll finds a change published elsewhere and drops the whole topic; a rolled-back change is never heard', async () => {
    const publisher = feed(60_000);
    const listener = feed(50);
    const heard: Change[] = [];
    listener.subscribe('api_key', (change) => heard.push(change));
    await listener.start();
    await expect(
      store().transact(async (tx) => {
        await publisher.publish(tx, 'api_key', 'ak_rolled_back');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await publisher.announce('api_key', 'ak_1');
    await eventually(() => heard.length > 0, 'the change heard');
    expect(heard.every((change) => change.subject !== 'ak_rolled_back')).toBe(true);
    if (engine === 'sqlite') expect(heard).toEqual([{ topic: 'api_key' }]);
  });
});

describe.each(ENGINES.filter((engine) => engine === 'postgres'))('the change feed on %s, notifications', (engine) => {
  const { feed, silentBump } = useFeeds(engine);

  it('NOTIFY carries the subject; after a missed version the next notification drops the whole topic', async () => {
    const publisher = feed(3_600_000);
    // A poll that never comes within the test: only notifications are heard (and the poll on connecting).
    const listener = feed(3_600_000);
    const heard: Change[] = [];
    listener.subscribe('api_key', (change) => heard.push(change));
    // Resolves once the poll run on connecting is done: nothing was published since, so nothing is heard.
    await listener.start();
    await publisher.announce('api_key', 'ak_2');
    await eventually(() => heard.length === 1, 'the notification');
    expect(heard).toEqual([{ topic: 'api_key', subject: 'ak_2' }]);
    await silentBump();
    await publisher.announce('api_key', 'ak_3');
    await eventually(() => heard.length === 2, 'the notification after the gap');
    expect(heard[1]).toEqual({ topic: 'api_key' });
  });
});
