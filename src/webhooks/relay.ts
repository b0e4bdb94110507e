/**
 * The outbox relay: started by the server (main.ts buildApp), stopped when it closes. Each pass
 *   1. fans committed events out to the enabled endpoints of their owner whose filter takes them (one delivery
 *      row per event and endpoint, in the same transaction that marks the event published);
 *   2. claims due deliveries, each the first pending one of its subject for its endpoint (so a token's events
 *      arrive in commit order), under a lease that expires (a crashed instance's claims come back by themselves);
 *   3. sends them (Standard Webhooks signatures, CloudEvents body) and records each outcome: delivered, or a retry
 *      after an exponential backoff with jitter, or dead after the last attempt; an endpoint failing continuously is
 *      disabled, and that is an event itself;
 *   4. now and then prunes delivered events past their retention, and reports the outbox lag.
 * At-least-once: a delivery is recorded only after the receiver's answer, so a crash in between sends it again
 * (same `webhook-id`). Any failure of a pass (the database gone, a bug) is logged and the next pass tries again.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { WebhookConfig } from '../config.js';
import type { SealedData } from '../keys/sealed-data.js';
import { emitEvent } from '../ledger/ledger.js';
import type { Metrics } from '../metrics.js';
import { keyOwnerOf } from '../owners.js';
import { exponentialJitter } from '../retry.js';
import type { Transact } from '../store/transactions.js';
import { toCloudEvent } from './cloudevent.js';
import type { ClaimedDelivery, EndpointRow, WebhooksDal } from './dal.js';
import { ENDPOINT_DISABLED } from './event-types.js';
import type { SendResult, Sender } from './sender.js';
import { signatureHeaders } from './signing.js';

const FAN_OUT_BATCH = 200;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 500;

export interface RelayLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RelayDeps {
  dal: WebhooksDal;
  transact: Transact;
  sealed: SealedData;
  clock: Clock;
  config: WebhookConfig;
  send: Sender;
  logger: RelayLogger;
  metrics: Pick<Metrics, 'outbox'>;
  /** Events may be pruned only once NATS has them too (when NATS is configured). */
  natsRequired: boolean;
}

export interface Relay {
  /** Runs one pass now (or joins the running one): what tests and the bench use to not wait for the timer. */
  runOnce(): Promise<void>;
  /** Stops the loop and waits for the pass in progress (its requests are bounded by the timeout). */
  stop(): Promise<void>;
}

/** Wait before attempt `attempt` (2, 3, …): d/2 plus a random share of d/2, with d = min(cap, base·2^(attempt-2)). */
export function retryDelayMs(config: Pick<WebhookConfig, 'retryBaseMs' | 'retryCapMs'>, attempt: number): number {
  const full = Math.min(config.retryCapMs, config.retryBaseMs * 2 ** Math.max(0, attempt - 2));
  return full / 2 + exponentialJitter(config.retryBaseMs, config.retryCapMs)(attempt) / 2;
}

export function startRelay(deps: RelayDeps): Relay {
  const { dal, transact, sealed, clock, config, logger } = deps;
  const instance = randomUUID();
  const secrets = new Map<string, Promise<string>>();
  let stopped = false;
  let running: Promise<boolean> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastPrune = 0;

  function secretOf(endpoint: EndpointRow, sealedValue: string, keyVersion: number): Promise<string> {
    const key = `${endpoint.id}:${keyVersion}:${sealedValue}`;
    let secret = secrets.get(key);
    if (!secret) {
      secret = sealed.open<string>(keyOwnerOf(endpoint.owner), `webhook_endpoint:${endpoint.id}`, { sealed: sealedValue, keyVersion });
      secret.catch(() => secrets.delete(key));
      secrets.set(key, secret);
    }
    return secret;
  }

  /** The secrets that sign now: the current one, and the previous one while its overlap runs. */
  async function signingSecrets(endpoint: EndpointRow, now: Date): Promise<string[]> {
    const current = await secretOf(endpoint, endpoint.secret_sealed, endpoint.secret_key_version);
    const overlap =
      endpoint.previous_secret_sealed &&
      endpoint.previous_secret_key_version !== null &&
      endpoint.previous_secret_expires_at &&
      endpoint.previous_secret_expires_at > now.toISOString();
    if (!overlap) return [current];
    return [current, await secretOf(endpoint, endpoint.previous_secret_sealed as string, endpoint.previous_secret_key_version as number)];
  }

  async function fanOut(): Promise<number> {
    return transact(async (tx) => {
      const events = await dal.claimUnpublished(tx, FAN_OUT_BATCH);
      if (events.length === 0) return 0;
      const endpoints = await dal.enabledEndpointsOf(tx, [...new Set(events.map((event) => event.owner))]);
      const filters = new Map(endpoints.map((endpoint) => [endpoint.id, JSON.parse(endpoint.event_types) as string[]]));
      const now = clock().toISOString();
      const rows = [];
      for (const event of events) {
        for (const endpoint of endpoints) {
          if (endpoint.owner !== event.owner) continue;
          const types = filters.get(endpoint.id) ?? [];
          if (types.length > 0 && !types.includes(event.type)) continue;
          // An endpoint is not told of its own disabling (it would not be sent anyway).
          if (event.type === ENDPOINT_DISABLED && event.subject === endpoint.id) continue;
          rows.push({
            id: randomUUID(),
            endpoint_id: endpoint.id,
            event_id: event.id,
            subject: event.subject,
            seq: event.seq,
            status: 'pending' as const,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          });
        }
      }
      await dal.insertDeliveries(tx, rows);
      await dal.markPublished(
        tx,
        events.map((event) => event.id),
        now,
      );
      return events.length;
    });
  }

  async function attempt(claimed: ClaimedDelivery): Promise<SendResult> {
    const now = clock();
    const body = JSON.stringify(toCloudEvent(claimed.event));
    let secretsNow: string[];
    try {
      secretsNow = await signingSecrets(claimed.endpoint, now);
    } catch (error) {
      logger.warn({ err: error, endpoint: claimed.endpoint.id }, 'webhook secret could not be opened');
      return { ok: false, status: null, error: 'signing secret unavailable' };
    }
    const headers = signatureHeaders(secretsNow, claimed.event.id, Math.floor(now.getTime() / 1000), body);
    return deps.send(claimed.endpoint.url, headers, body);
  }

  async function record(claimed: ClaimedDelivery, result: SendResult): Promise<void> {
    const { delivery, endpoint } = claimed;
    const at = clock();
    const now = at.toISOString();
    const attempts = delivery.attempts + 1;
    await transact(async (tx) => {
      if (result.ok) {
        const updated = await dal.updateDelivery(
          tx,
          delivery.id,
          {
            status: 'delivered',
            attempts,
            last_status_code: result.status,
            last_error: null,
            lease_owner: null,
            lease_expires_at: null,
            delivered_at: now,
            updated_at: now,
          },
          instance,
        );
        if (updated) await dal.recordEndpointSuccess(tx, endpoint.id);
        return;
      }
      const dead = attempts >= config.maxAttempts;
      const next = new Date(at.getTime() + retryDelayMs(config, attempts + 1)).toISOString();
      const updated = await dal.updateDelivery(
        tx,
        delivery.id,
        {
          status: dead ? 'dead' : 'pending',
          attempts,
          last_status_code: result.status,
          last_error: result.error,
          next_attempt_at: dead ? now : next,
          lease_owner: null,
          lease_expires_at: null,
          updated_at: now,
        },
        instance,
      );
      // Our lease was taken over (it expired) or the delivery discarded meanwhile: the other side records it.
      if (!updated) return;
      const failing = await dal.recordEndpointFailure(tx, endpoint.id, now);
      const failingForMs = failing ? at.getTime() - new Date(failing.failingSince).getTime() : 0;
      if (failing && failing.failures >= config.disableAfterFailures && failingForMs >= config.disableAfterSeconds * 1000) {
        const reason = `failed ${failing.failures} attempts in a row since ${failing.failingSince}`;
        if (await dal.disableEndpoint(tx, endpoint.id, reason, now)) {
          await emitEvent(
            tx,
            {
              type: ENDPOINT_DISABLED,
              owner: endpoint.owner,
              subject: endpoint.id,
              data: { endpoint_id: endpoint.id, reason, consecutive_failures: failing.failures, failing_since: failing.failingSince },
            },
            at,
          );
          logger.warn({ endpoint: endpoint.id, failures: failing.failures }, 'webhook endpoint disabled: failing continuously');
        }
      }
    });
  }

  async function deliverDue(): Promise<number> {
    const now = clock();
    const claimed = await dal.claimDue(now.toISOString(), instance, new Date(now.getTime() + config.leaseMs).toISOString(), config.concurrency);
    await Promise.all(
      claimed.map(async (delivery) => {
        const result = await attempt(delivery);
        try {
          await record(delivery, result);
        } catch (error) {
          // The lease runs out and the delivery is sent again: at-least-once.
          logger.warn({ err: error, delivery: delivery.delivery.id }, 'webhook outcome could not be recorded; it will be retried');
        }
      }),
    );
    return claimed.length;
  }

  async function prune(): Promise<void> {
    const now = clock().getTime();
    if (config.retentionHours === 0 || now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    const before = new Date(now - config.retentionHours * 3_600_000).toISOString();
    let pruned = 0;
    for (let batch = PRUNE_BATCH; batch === PRUNE_BATCH; ) {
      batch = await dal.pruneEvents(before, deps.natsRequired, PRUNE_BATCH);
      pruned += batch;
    }
    if (pruned > 0) logger.info({ pruned }, 'delivered events pruned');
  }

  async function reportLag(): Promise<void> {
    const { oldest, pending } = await dal.backlog();
    const lag = oldest ? Math.max(0, (clock().getTime() - new Date(oldest).getTime()) / 1000) : 0;
    deps.metrics.outbox(lag, pending);
  }

  /** One pass; whether there may be more work right away. */
  async function pass(): Promise<boolean> {
    let busy = false;
    while (!stopped && (await fanOut()) === FAN_OUT_BATCH) busy = true;
    if (!stopped && (await deliverDue()) >= config.concurrency) busy = true;
    if (!stopped) await prune();
    await reportLag();
    return busy;
  }

  function runOnce(): Promise<void> {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running.then(() => undefined);
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running ??= pass().finally(() => {
        running = undefined;
      });
      running.then(
        (busy) => schedule(busy ? 0 : config.pollMs),
        (error: unknown) => {
          logger.warn({ err: error }, 'outbox relay pass failed; the next one tries again');
          schedule(config.pollMs);
        },
      );
    }, delayMs);
    timer.unref();
  }

  schedule(0);

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
