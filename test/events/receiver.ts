/**
 * A real webhook receiver on loopback for the delivery tests: records every request (headers, raw body, when it
 * arrived) and answers what the test says (by default 200; `failFirst` answers 500 to the first n attempts of each
 * webhook-id; `status` answers that code to everything).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: { id: string; type: string; subject: string; sequence: string; data: Record<string, unknown> } & Record<string, unknown>;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers 500 to the first `n` attempts of each webhook-id from now on. */
  failFirst(n: number): void;
  /** Answers `status` to every request (undefined: back to normal). */
  answer(status: number | undefined): void;
  /** Waits (polling) until `check` holds; `what` names it when the guard runs out. */
  until(check: (received: Received[]) => boolean, what: string, guardMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const attempts = new Map<string, number>();
  let failFirst = 0;
  let fixed: number | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      const status = fixed ?? (attempt <= failFirst ? 500 : 200);
      if (status >= 200 && status < 300) received.push({ headers: req.headers, body, event: JSON.parse(body) as Received['event'], at: Date.now() });
      res.statusCode = status;
      res.end(status >= 300 ? 'no' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    failFirst: (n) => {
      failFirst = n;
    },
    answer: (status) => {
      fixed = status;
    },
    async until(check, what, guardMs = 60_000) {
      const deadline = Date.now() + guardMs;
      while (!check(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: never saw ${what} (got ${received.length} requests)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `check` until it holds (a guard, not a timing threshold). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, guardMs = 60_000): Promise<T> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A relay fast enough for tests: short polls, retries in tens of milliseconds, three attempts. */
export const FAST_DELIVERY_ENV = {
  TESSERA_WEBHOOK_ALLOW_PRIVATE: 'on',
  TESSERA_WEBHOOK_POLL_MS: '20',
  TESSERA_WEBHOOK_RETRY_BASE_MS: '20',
  TESSERA_WEBHOOK_RETRY_CAP_MS: '100',
  TESSERA_WEBHOOK_MAX_ATTEMPTS: '3',
  TESSERA_WEBHOOK_TIMEOUT_MS: '3000',
  TESSERA_WEBHOOK_LEASE_MS: '6000',
} as const;
