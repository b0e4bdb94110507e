/**
 * How long a graceful stop takes under keep-alive load (issue 8): a server of its own is kept busy by autocannon
 * on keep-alive connections (GET /livez: the connections, not the work, are what a stop must deal with), then
 * sent SIGTERM; the figure is the time from the signal to the process's exit. Before connections were managed
 * this took about 70 s; the server closes idle keep-alive connections at shutdown and gives requests in flight
 * TESSERA_HTTP_SHUTDOWN_GRACE_MS (default 5 s).
 */
import autocannon from 'autocannon';
import { startServer } from './server.js';

export interface StopUnderLoad {
  connections: number;
  /** Requests answered during the load before the signal. */
  answeredBeforeStop: number;
  /** From SIGTERM to the process's exit. */
  stopSeconds: number;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

const LOAD_BEFORE_STOP_MS = 2000;
/** Only a last resort, far above any graceful stop: the figure is measured, not bounded. */
const KILL_AFTER_MS = 120_000;

export async function measureStopUnderLoad(connections = 64): Promise<StopUnderLoad> {
  const server = await startServer();
  let answered = 0;
  let stopping = false;
  const instance = autocannon({
    url: server.baseUrl,
    connections,
    duration: 600,
    requests: [
      {
        method: 'GET',
        path: '/livez',
        onResponse: () => {
          if (!stopping) answered++;
        },
      },
    ],
  });
  // Errors after the signal (refused reconnections) are expected; they only end the load generator's run.
  instance.on('error', () => undefined);
  const finished = new Promise<void>((resolve) => instance.once('done', () => resolve()));
  try {
    await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_STOP_MS));
    stopping = true;
    const signalled = performance.now();
    await server.stop(KILL_AFTER_MS);
    const stopSeconds = (performance.now() - signalled) / 1000;
    return { connections, answeredBeforeStop: answered, stopSeconds, exit: server.exited() };
  } finally {
    instance.stop();
    await finished;
    server.killNow();
  }
}
