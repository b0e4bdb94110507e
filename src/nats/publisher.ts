/**
 * Publishes every committed event to NATS JetStream when TESSERA_NATS_URL is set: stream TESSERA_NATS_STREAM
 * (default `TESSERA`, created when missing, subjects `<prefix>.>`), subject `<prefix>.<side>.<type>` (prefix
 * default `tessera`; side `merchant` or `issuer`; the type without a leading `merchant.`), e.g.
 * `tessera.merchant.token.created`, `tessera.issuer.patch`. The message id (`Nats-Msg-Id`) is the event id, so
 * JetStream drops a message published twice (a crash between its ack and our record of it) within its duplicate
 * window. The body is the same CloudEvents JSON as webhooks. An event is marked published only once acknowledged;
 * NATS being down delays publishing and never fails a request or the process.
 */
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Clock } from '../clock.js';
import type { NatsConfig } from '../config.js';
import { toCloudEvent } from '../webhooks/cloudevent.js';
import { sideOf } from '../webhooks/event-types.js';
import type { NatsDal } from './dal.js';

const BATCH = 100;

export interface PublisherLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NatsPublisherDeps {
  config: NatsConfig;
  dal: NatsDal;
  clock: Clock;
  logger: PublisherLogger;
  pollMs: number;
}

export interface NatsPublisher {
  /** One pass now (tests). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** `merchant:<id>` + `merchant.token.created` → `tessera.merchant.token.created`; `account:<id>` + `patch` → `tessera.issuer.patch`. */
export function natsSubject(prefix: string, owner: string, type: string): string {
  const side = sideOf(owner);
  const name = type.startsWith(`${side}.`) ? type.slice(side.length + 1) : type;
  return `${prefix}.${side}.${name.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export function startNatsPublisher(deps: NatsPublisherDeps): NatsPublisher {
  const { config, dal, clock, logger } = deps;
  let connection: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;
  let stopped = false;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let warned = false;

  async function open(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    const nc = await connect({ servers: config.url, name: 'tessera', maxReconnectAttempts: -1, timeout: 5000 });
    try {
      const jsm = await jetstreamManager(nc);
      try {
        await jsm.streams.info(config.stream);
      } catch {
        await jsm.streams.add({ name: config.stream, subjects: [`${config.subjectPrefix}.>`] });
        logger.info({ stream: config.stream }, 'NATS JetStream stream created');
      }
      return { nc, js: jetstream(nc) };
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  function connected() {
    connection ??= open().catch((error: unknown) => {
      connection = undefined;
      throw error;
    });
    return connection;
  }

  async function pass(): Promise<number> {
    const { js } = await connected();
    let total = 0;
    for (let count = BATCH; count === BATCH && !stopped; ) {
      count = await dal.publishBatch(
        BATCH,
        () => clock().toISOString(),
        async (events) => {
          const published: string[] = [];
          // One at a time, in order: a subject's events reach the stream in commit order.
          for (const event of events) {
            await js.publish(natsSubject(config.subjectPrefix, event.owner, event.type), JSON.stringify(toCloudEvent(event)), { msgID: event.id });
            published.push(event.id);
          }
          return published;
        },
      );
      total += count;
    }
    warned = false;
    return total;
  }

  function run(): Promise<number> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      run().then(
        (count) => schedule(count > 0 ? 0 : deps.pollMs),
        (error: unknown) => {
          if (!warned) logger.warn({ err: error }, 'NATS publishing failed; events wait in the outbox and are published once it answers');
          warned = true;
          schedule(Math.max(deps.pollMs, 1000));
        },
      );
    }, delayMs);
    timer.unref();
  }

  schedule(0);
  return {
    runOnce: async () => {
      await run();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      const open = await connection?.catch(() => undefined);
      await open?.nc.drain().catch(() => undefined);
    },
  };
}
