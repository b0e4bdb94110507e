/**
 * Ways to take a database away from a running server, for the store's resilience tests:
 * - a TCP proxy in front of PostgreSQL that can refuse connections and cut the ones it carries (a restart or a
 *   network cut as the server sees it), or start listening late (a database that comes up after the server);
 * - `pg_terminate_backend` of every connection of one server (named by its `application_name`), from a separate
 *   client, as an operator or a fail-over does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { POSTGRES_URL } from './engines.js';
import { reservePort } from './issuer.js';

export interface PostgresProxy {
  readonly port: number;
  /** The test database's URL with its host and port replaced by the proxy's (query parameters kept). */
  url(databaseUrl: string): string;
  /** Starts accepting and forwarding connections. */
  open(): Promise<void>;
  /** Stops accepting and cuts every connection it carries. */
  cut(): Promise<void>;
  close(): Promise<void>;
}

export async function postgresProxy(): Promise<PostgresProxy> {
  const port = await reservePort();
  const target = new URL(POSTGRES_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const cut = async () => {
    const listening = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (listening) await new Promise<void>((resolve) => listening.close(() => resolve()));
  };
  return {
    port,
    url(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    async open() {
      if (server) return;
      const listening = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      server = listening;
    },
    cut,
    close: cut,
  };
}

/** Terminates every backend whose application_name is `name`; returns how many were terminated. */
export async function terminateBackends(name: string): Promise<number> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ terminated: boolean }>(
      'select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [name],
    );
    return rows.filter((row) => row.terminated).length;
  } finally {
    await client.end();
  }
}

/** The URL with `application_name` set, so the server's connections can be found in pg_stat_activity. */
export function withApplicationName(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', name);
  return url.toString();
}
