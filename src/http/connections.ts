/**
 * How long a connection may hold the server, and how many one client may hold at once.
 *
 * Without limits a client can keep a socket idle forever or trickle a body byte by byte, and a few hundred such
 * sockets exhaust the process's descriptors (health checks included). At shutdown, keep-alive clients would
 * otherwise keep the server waiting until their idle timeout: once closing starts, every answer carries
 * `Connection: close`, so each connection ends after its in-flight request.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ConnectionLimits } from '../config.js';

export type { ConnectionLimits };

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
  maxConnectionsPerAddress: 256,
  shutdownGraceMs: 5_000,
};

/** Fastify server options that carry the timeouts (the rest is applied by `manageConnections`). */
export function timeoutOptions(limits: ConnectionLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // Node checks the header and request deadlines on this interval (30 s by default, far too coarse for them).
    http: { connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 2)) },
  };
}

export function manageConnections(app: FastifyInstance, limits: ConnectionLimits): void {
  const server = app.server as Server;
  server.headersTimeout = limits.headersTimeoutMs;
  const perAddress = new Map<string, number>();

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const open = (perAddress.get(address) ?? 0) + 1;
    if (open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    server.closeIdleConnections();
    // Connections that never sent a request are not "idle" to Node, and a request still running after the grace
    // period would hold the stop for as long as it likes: both are cut when it ends.
    setTimeout(() => server.closeAllConnections(), limits.shutdownGraceMs).unref();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
}
