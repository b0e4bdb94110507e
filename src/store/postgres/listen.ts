/**
 * A dedicated PostgreSQL connection that LISTENs on one channel, for as long as it is not closed.
 *
 * It is not a pooled connection: LISTEN belongs to a session, and a pooled client would be handed to queries.
 * When the connection is lost (server restart, fail-over, a terminated backend, a network cut) it is reported and
 * opened again with a growing delay; nothing it does can end the process. Notifications sent while it was away are
 * lost, which is why `onConnected` is called after each (re)connection: the caller re-reads what it may have missed.
 */
import type { Client, Notification } from 'pg';

export interface ListenHandlers {
  onNotification(payload: string): void;
  /** LISTEN is in place (first connection or a reconnection). */
  onConnected(): void;
  /** The connection failed or was lost; it will be opened again. */
  onLost(error: Error): void;
}

export interface PostgresListener {
  close(): Promise<void>;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/** The connection string without Tessera's own `?schema=` parameter (LISTEN does not depend on a schema). */
function connectionString(rawUrl: string): string {
  const url = new URL(rawUrl);
  url.searchParams.delete('schema');
  return url.toString();
}

/** The connection's `application_name` (what an operator sees in pg_stat_activity). */
export const LISTENER_APPLICATION_NAME = 'tessera-change-feed';

export async function listenPostgres(
  rawUrl: string,
  channel: string,
  handlers: ListenHandlers,
  applicationName = LISTENER_APPLICATION_NAME,
): Promise<PostgresListener> {
  // Loaded only here, like the pool: a server on the embedded store never pays for pg.
  const { default: pg } = await import('pg');
  const connection = connectionString(rawUrl);
  let closed = false;
  let client: Client | undefined;
  let retryMs = FIRST_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;

  const onNotification = (message: Notification) => {
    if (message.channel === channel && message.payload !== undefined) handlers.onNotification(message.payload);
  };

  function lost(from: Client, error: Error): void {
    if (client !== from) return;
    client = undefined;
    from.removeListener('notification', onNotification);
    // An errored client may still hold its socket; ending it is best effort.
    void from.end().catch(() => undefined);
    if (closed) return;
    handlers.onLost(error);
    scheduleConnect();
  }

  function scheduleConnect(): void {
    const delay = retryMs;
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
    timer = setTimeout(() => void connect(), delay);
    timer.unref();
  }

  async function connect(): Promise<void> {
    timer = undefined;
    if (closed) return;
    const next = new pg.Client({
      connectionString: connection,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      application_name: applicationName,
    });
    client = next;
    // Without these listeners an error on this connection would be an unhandled 'error' event: a crash.
    next.on('error', (error: Error) => lost(next, error));
    next.on('end', () => lost(next, new Error('the LISTEN connection ended')));
    next.on('notification', onNotification);
    try {
      await next.connect();
      await next.query(`LISTEN "${channel}"`);
    } catch (error) {
      lost(next, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (closed || client !== next) return;
    retryMs = FIRST_RETRY_MS;
    handlers.onConnected();
  }

  await connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const current = client;
      client = undefined;
      if (current) {
        current.removeListener('notification', onNotification);
        await current.end().catch(() => undefined);
      }
    },
  };
}
