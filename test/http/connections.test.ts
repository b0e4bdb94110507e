/**
 * Connection management of the HTTP server, over real sockets: idle keep-alive connections and clients that never
 * finish their headers are closed by the server, one address cannot hold more than its share of connections, and
 * a stop does not wait for keep-alive clients.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import type { ConnectionLimits } from '../../src/config.js';

const LIMITS: ConnectionLimits = { requestTimeoutMs: 2_000, headersTimeoutMs: 300, idleTimeoutMs: 300, maxConnectionsPerAddress: 3, shutdownGraceMs: 500 };

let app: FastifyInstance | undefined;
const sockets: Socket[] = [];

async function start(limits: ConnectionLimits = LIMITS): Promise<number> {
  app = createHttpServer(createLogger('silent'), limits);
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.setEncoding('utf8');
  await once(socket, 'connect');
  return socket;
}

/** Sends one keep-alive GET and resolves with the raw response once its body has arrived. */
async function request(socket: Socket, path: string): Promise<string> {
  let received = '';
  const done = new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      received += chunk;
      const [head, body = ''] = received.split('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(head ?? '')?.[1] ?? Number.NaN);
      if (body.length >= length) {
        socket.off('data', onData);
        resolve(received);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n`);
  return done;
}

const closed = (socket: Socket) => (socket.closed ? Promise.resolve() : once(socket, 'close').then(() => undefined));

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  app = undefined;
});

describe('HTTP connection management', () => {
  it('closes a keep-alive connection that stays idle', async () => {
    const socket = await open(await start());
    expect(await request(socket, '/health')).toMatch(/^HTTP\/1\.1 200/);
    await closed(socket);
    expect(socket.closed).toBe(true);
  });

  it('closes a connection whose headers never finish (slowloris)', async () => {
    const socket = await open(await start());
    let answer = '';
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    await closed(socket);
    // Node answers 408 before closing, or closes outright; either way the socket is gone and no 200 was sent.
    expect(answer).not.toMatch(/200 OK/);
  });

  it('refuses connections beyond the per-address limit and serves the ones within it', async () => {
    const port = await start({ ...LIMITS, headersTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    const within = [await open(port), await open(port), await open(port)];
    const beyond = await open(port);
    await closed(beyond);
    for (const socket of within) expect(await request(socket, '/health')).toMatch(/^HTTP\/1\.1 200/);
  });

  it('a stop does not wait for a connection that never sends a request', async () => {
    const port = await start({ ...LIMITS, headersTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    const silent = await open(port);
    await app!.close();
    app = undefined;
    await closed(silent);
    expect(silent.closed).toBe(true);
  });

  it('a stop closes kept-alive connections and tells in-flight requests to close', async () => {
    const port = await start({ ...LIMITS, idleTimeoutMs: 60_000 });
    const idle = await open(port);
    expect(await request(idle, '/health')).toMatch(/^HTTP\/1\.1 200/);
    const busy = await open(port);
    const inFlight = request(busy, '/slow');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = app!.close();
    const answer = await inFlight;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/connection: close/i);
    await stopping;
    app = undefined;
    await Promise.all([closed(idle), closed(busy)]);
    expect(idle.closed && busy.closed).toBe(true);
  });
});
