/**
 * Instances agree: how a change that other instances hold in a cache (an API key revoked, a data key rotated)
 * reaches every instance sharing the database within 2 seconds.
 *
 * A change is published in the transaction that makes it: the topic's row of `cache_versions` gets the next
 * version (and the change's subject), and on PostgreSQL a NOTIFY carrying both is sent, delivered at commit and
 * only if it commits. Each instance hears of it two ways:
 * - LISTEN on a dedicated connection (postgres/listen.ts): the subject's cache entry is dropped at once;
 * - a poll of `cache_versions` every POLL_INTERVAL_MS, the fallback for a notification missed (the LISTEN
 *   connection was down, or a version was skipped): a topic whose version moved unheard drops all of its entries.
 * A failed poll is reported and the next one tries again; nothing here can end the process.
 *
 * SQLite is single-instance by design (one server process per database file): there is no NOTIFY, and the poll
 * still lets a change made by a CLI command on the same file (`tessera rotate-data-key`) reach the running server.
 */
import { sql, type Kysely } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import type { Database } from './schema.js';
import type { Tx } from './transactions.js';

/** Kinds of cached state another instance must drop when they change. */
export type ChangeTopic = 'api_key' | 'data_key' | 'capture_key';

export interface Change {
  topic: ChangeTopic;
  /** What changed (an API key id, a data key owner); undefined when anything of the topic may have changed. */
  subject?: string;
}

export type ChangeListener = (change: Change) => void;

export interface ChangePublisher {
  /** Records the change in the caller's transaction: every instance hears of it once (and only if) that commits. */
  publish(tx: Tx, topic: ChangeTopic, subject: string): Promise<void>;
  /** The same, in a transaction of its own (for a change that was not made in one). */
  announce(topic: ChangeTopic, subject: string): Promise<void>;
}

export interface ChangeFeed extends ChangePublisher {
  /** Calls `listener` for every change of `topic` heard from the database; returns the unsubscribe function. */
  subscribe(topic: ChangeTopic, listener: ChangeListener): () => void;
  /** Starts hearing changes (LISTEN on PostgreSQL, and the version poll). A server calls it; a CLI command need not. */
  start(): Promise<void>;
  /** Stops hearing (closes the LISTEN connection, ends the poll). */
  close(): Promise<void>;
}

/** What the feed reports: a lost LISTEN connection, a failed poll. */
export interface ChangeFeedLog {
  warn(details: Record<string, unknown>, message: string): void;
  info(details: Record<string, unknown>, message: string): void;
}

export interface ChangeFeedDeps {
  db: Kysely<Database>;
  transact: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;
  database: DatabaseConfig;
  log: ChangeFeedLog;
  clock: () => Date;
  /** How often `cache_versions` is polled (default POLL_INTERVAL_MS; at most 1 s keeps the 2 s bound). */
  pollIntervalMs?: number;
}

export const POLL_INTERVAL_MS = 500;
export const CHANGE_CHANNEL = 'tessera_changes';
const TOPICS: readonly ChangeTopic[] = ['api_key', 'data_key', 'capture_key'];

interface Notice {
  /** The PostgreSQL schema the change was made in: every schema of a database shares the channel. */
  schema: string | null;
  topic: ChangeTopic;
  version: number;
  subject: string;
}

function schemaOf(database: DatabaseConfig): string | null {
  return database.engine === 'postgres' ? (new URL(database.url).searchParams.get('schema') ?? null) : null;
}

function parseNotice(payload: string): Notice | undefined {
  try {
    const value = JSON.parse(payload) as Partial<Notice>;
    if (!TOPICS.includes(value.topic as ChangeTopic) || typeof value.version !== 'number' || typeof value.subject !== 'string') return undefined;
    return { schema: value.schema ?? null, topic: value.topic as ChangeTopic, version: value.version, subject: value.subject };
  } catch {
    return undefined;
  }
}

export function createChangeFeed(deps: ChangeFeedDeps): ChangeFeed {
  const { db, transact, database, log, clock } = deps;
  const pollIntervalMs = deps.pollIntervalMs ?? POLL_INTERVAL_MS;
  const schema = schemaOf(database);
  const listeners = new Map<ChangeTopic, Set<ChangeListener>>();
  /** The newest version of each topic this instance has acted on. */
  const seen = new Map<string, number>();
  let started = false;
  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let pollFailing = false;
  let listener: { close(): Promise<void> } | undefined;

  function emit(change: Change): void {
    for (const listen of listeners.get(change.topic) ?? []) {
      try {
        listen(change);
      } catch (error) {
        log.warn({ err: error, topic: change.topic }, 'a change listener failed');
      }
    }
  }

  /** A notification: precise when it is the very next version; otherwise a version was missed, so drop everything. */
  function heard(notice: Notice): void {
    if (notice.schema !== schema) return;
    const known = seen.get(notice.topic);
    if (known !== undefined && notice.version <= known) return;
    seen.set(notice.topic, notice.version);
    emit(known !== undefined && notice.version === known + 1 ? { topic: notice.topic, subject: notice.subject } : { topic: notice.topic });
  }

  async function readVersions(): Promise<Map<string, number>> {
    const rows = await db.selectFrom('cache_versions').select(['topic', 'version']).execute();
    return new Map(rows.map((row) => [row.topic, Number(row.version)]));
  }

  async function pollOnce(): Promise<void> {
    try {
      const versions = await readVersions();
      if (pollFailing) log.info({}, 'change feed: the database answers again');
      pollFailing = false;
      for (const [topic, version] of versions) {
        const known = seen.get(topic) ?? 0;
        if (version <= known || !TOPICS.includes(topic as ChangeTopic)) continue;
        seen.set(topic, version);
        // Which subjects changed since `known` is not recorded: every entry of the topic is dropped.
        emit({ topic: topic as ChangeTopic });
      }
    } catch (error) {
      // Reported once per outage; the poll keeps trying, and meanwhile the caches' own lifetimes still apply.
      if (!pollFailing) log.warn({ err: error }, 'change feed: cannot read cache_versions; retrying');
      pollFailing = true;
    }
  }

  function poll(): Promise<void> {
    polling ??= pollOnce().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  function schedulePoll(): void {
    if (closed) return;
    pollTimer = setTimeout(() => {
      void poll().then(schedulePoll);
    }, pollIntervalMs);
    pollTimer.unref();
  }

  async function publish(tx: Tx, topic: ChangeTopic, subject: string): Promise<void> {
    const changedAt = clock().toISOString();
    const row = await tx
      .insertInto('cache_versions')
      .values({ topic, version: 1, subject, changed_at: changedAt })
      .onConflict((oc) => oc.column('topic').doUpdateSet({ version: sql<number>`cache_versions.version + 1`, subject, changed_at: changedAt }))
      .returning('version')
      .executeTakeFirstOrThrow();
    if (database.engine === 'postgres') {
      const notice: Notice = { schema, topic, version: Number(row.version), subject };
      await sql`select pg_notify(${CHANGE_CHANNEL}, ${JSON.stringify(notice)})`.execute(tx);
    }
  }

  return {
    publish,
    announce: (topic, subject) => transact((tx) => publish(tx, topic, subject)),

    subscribe(topic, listen) {
      let set = listeners.get(topic);
      if (!set) listeners.set(topic, (set = new Set()));
      set.add(listen);
      return () => set.delete(listen);
    },

    async start() {
      if (started || closed) return;
      started = true;
      // The baseline: what is cached from now on was read after these versions.
      try {
        const versions = await readVersions();
        for (const topic of TOPICS) seen.set(topic, versions.get(topic) ?? 0);
      } catch (error) {
        log.warn({ err: error }, 'change feed: cannot read cache_versions yet; the poll will retry');
        pollFailing = true;
      }
      if (database.engine === 'postgres') {
        const { listenPostgres } = await import('./postgres/listen.js');
        listener = await listenPostgres(database.url, CHANGE_CHANNEL, {
          onNotification(payload) {
            const notice = parseNotice(payload);
            if (notice) heard(notice);
          },
          // Whatever was published while the connection was away is found by reading the versions again now.
          onConnected: () => void poll(),
          onLost: (error) => log.warn({ err: error }, 'change feed: LISTEN connection lost; reconnecting (the version poll covers the gap)'),
        });
        // Caught up before start() resolves: the poll begun on connecting (polls are shared while one runs).
        await poll();
      } else {
        log.info({ engine: 'sqlite' }, 'SQLite is single-instance: run one server per database file (PostgreSQL for several instances)');
      }
      schedulePoll();
    },

    async close() {
      closed = true;
      if (pollTimer) clearTimeout(pollTimer);
      await polling;
      await listener?.close();
    },
  };
}
