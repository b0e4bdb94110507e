/**
 * Webhook endpoints of merchants and issuer accounts: created with a signing secret shown once (stored sealed under
 * the owner's data key, never in clear), listed page by page, changed, deleted; the secret rotated with an overlap
 * during which both secrets sign; a test event; the deliveries of an endpoint; replays and discards.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { InvalidInput, IssueList, NotFound } from '../errors.js';
import { emitEvent } from '../ledger/ledger.js';
import type { SealedData } from '../keys/sealed-data.js';
import { keyOwnerOf } from '../owners.js';
import type { Transact } from '../store/transactions.js';
import type { DeliveryRow, DeliveryWithType, EndpointRow, EventRow, WebhooksDal } from './dal.js';
import { destinationRefusal, type DestinationPolicy } from './destination.js';
import { EVENT_TYPES, TEST_EVENT } from './event-types.js';
import { generateWebhookSecret } from './signing.js';

export interface EndpointView {
  id: string;
  /** `merchant:<id>` or `account:<id>`. */
  owner: string;
  url: string;
  description: string | null;
  /** Types it receives; empty: every type. */
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  /** Until when the secret before the last rotation still signs (null: no overlap running). */
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: DeliveryRow['status'];
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface EndpointInput {
  owner: string;
  url: string;
  eventTypes?: string[];
  description?: string | null;
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  enabled?: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type ReplaySelection = { eventId: string } | { from: string; to: string };

export interface WebhookEndpoints {
  create(input: EndpointInput): Promise<{ endpoint: EndpointView; secret: string }>;
  list(owner: string, cursor: string | undefined, limit: number): Promise<Page<EndpointView>>;
  get(id: string): Promise<EndpointView>;
  update(id: string, changes: EndpointChanges): Promise<EndpointView>;
  remove(id: string): Promise<void>;
  /** A new secret; the current one keeps signing for `overlapSeconds` (default: the configured overlap). */
  rotateSecret(id: string, overlapSeconds?: number): Promise<{ secret: string; previousSecretExpiresAt: string | null }>;
  /** Queues a `webhook.test` event for this endpoint alone. */
  sendTest(id: string): Promise<{ eventId: string; deliveryId: string }>;
  deliveries(id: string, cursor: string | undefined, limit: number, status?: DeliveryRow['status']): Promise<Page<DeliveryView>>;
  /** Queues the event(s) again for this endpoint (a dead delivery of one is put back in the queue); how many. */
  replay(id: string, selection: ReplaySelection): Promise<number>;
  /** A dead or pending delivery is given up for good. */
  discard(id: string, deliveryId: string): Promise<void>;
}

export interface WebhookEndpointsDeps {
  dal: WebhooksDal;
  transact: Transact;
  sealed: SealedData;
  clock: Clock;
  policy: DestinationPolicy;
  /** Default overlap of a secret rotation, in seconds. */
  secretOverlapSeconds: number;
}

const MAX_REPLAY = 1000;
const MAX_DESCRIPTION = 500;
const MAX_URL = 2000;

const sealedObject = (endpointId: string) => `webhook_endpoint:${endpointId}`;

function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined, keys: readonly string[]): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (keys.every((key) => typeof value[key] === 'string')) return value as Record<string, string>;
  } catch {}
  throw new InvalidInput({ field: 'query.cursor', reason: 'invalid', message: 'is not a cursor this API returned' });
}

export function viewOf(row: EndpointRow, now: Date): EndpointView {
  const overlap = row.previous_secret_expires_at && row.previous_secret_expires_at > now.toISOString() ? row.previous_secret_expires_at : null;
  return {
    id: row.id,
    owner: row.owner,
    url: row.url,
    description: row.description,
    eventTypes: JSON.parse(row.event_types) as string[],
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    previousSecretExpiresAt: overlap,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function deliveryView(row: DeliveryWithType): DeliveryView {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at : null,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

export function createWebhookEndpoints(deps: WebhookEndpointsDeps): WebhookEndpoints {
  const { dal, transact, sealed, clock, policy } = deps;

  function checkUrl(issues: IssueList, url: string | undefined): void {
    if (url === undefined) return;
    const refusal = url.length > MAX_URL ? `must be at most ${MAX_URL} characters` : destinationRefusal(url, policy);
    if (refusal) issues.add('url', 'invalid', refusal);
  }

  function checkTypes(issues: IssueList, types: string[] | undefined): void {
    if (types === undefined) return;
    const unknown = types.filter((type) => !EVENT_TYPES.includes(type));
    if (unknown.length > 0) issues.add('eventTypes', 'unknown', `unknown event type(s): ${unknown.join(', ')} (known: ${EVENT_TYPES.join(', ')})`);
  }

  function checkDescription(issues: IssueList, description: string | null | undefined): void {
    if (typeof description === 'string' && description.length > MAX_DESCRIPTION)
      issues.add('description', 'invalid', `must be at most ${MAX_DESCRIPTION} characters`);
  }

  async function find(id: string): Promise<EndpointRow> {
    const row = await dal.findEndpoint(id);
    if (!row) throw new NotFound('webhook_endpoint');
    return row;
  }

  return {
    async create(input) {
      const issues = new IssueList();
      checkUrl(issues, input.url);
      checkTypes(issues, input.eventTypes);
      checkDescription(issues, input.description);
      issues.throwIfAny();
      if (!(await dal.ownerExists(input.owner))) throw new NotFound(input.owner.startsWith('merchant:') ? 'merchant' : 'account');
      const id = `we_${randomUUID()}`;
      const secret = generateWebhookSecret();
      const { sealed: secretSealed, keyVersion } = await sealed.seal(keyOwnerOf(input.owner), sealedObject(id), secret);
      const now = clock().toISOString();
      const row: EndpointRow = {
        id,
        owner: input.owner,
        url: input.url,
        description: input.description ?? null,
        event_types: JSON.stringify([...new Set(input.eventTypes ?? [])]),
        enabled: 1,
        disabled_reason: null,
        secret_sealed: secretSealed,
        secret_key_version: keyVersion,
        previous_secret_sealed: null,
        previous_secret_key_version: null,
        previous_secret_expires_at: null,
        consecutive_failures: 0,
        failing_since: null,
        created_at: now,
        updated_at: now,
      };
      await transact((tx) => dal.insertEndpoint(tx, row));
      return { endpoint: viewOf(row, clock()), secret };
    },

    async list(owner, cursor, limit) {
      const after = decodeCursor(cursor, ['id']);
      const rows = await dal.listEndpoints(owner, after?.id, limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map((row) => viewOf(row, clock())), nextCursor: rows.length > limit && last ? encodeCursor({ id: last.id }) : null };
    },

    async get(id) {
      return viewOf(await find(id), clock());
    },

    async update(id, changes) {
      const issues = new IssueList();
      checkUrl(issues, changes.url);
      checkTypes(issues, changes.eventTypes);
      checkDescription(issues, changes.description);
      issues.throwIfAny();
      const row = await find(id);
      const enabling = changes.enabled === true && row.enabled === 0;
      const updated = await transact((tx) =>
        dal.updateEndpoint(tx, id, {
          ...(changes.url !== undefined ? { url: changes.url } : {}),
          ...(changes.eventTypes !== undefined ? { event_types: JSON.stringify([...new Set(changes.eventTypes)]) } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.enabled !== undefined ? { enabled: changes.enabled ? 1 : 0, disabled_reason: changes.enabled ? null : 'disabled by an operator' } : {}),
          // Re-enabled: it starts again with a clean record of failures.
          ...(enabling ? { consecutive_failures: 0, failing_since: null } : {}),
          updated_at: clock().toISOString(),
        }),
      );
      if (!updated) throw new NotFound('webhook_endpoint');
      return viewOf(await find(id), clock());
    },

    async remove(id) {
      if (!(await transact((tx) => dal.deleteEndpoint(tx, id)))) throw new NotFound('webhook_endpoint');
    },

    async rotateSecret(id, overlapSeconds = deps.secretOverlapSeconds) {
      if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > 30 * 86_400) {
        throw new InvalidInput({ field: 'overlapSeconds', reason: 'invalid', message: 'must be a whole number of seconds from 0 to 2592000 (30 days)' });
      }
      const row = await find(id);
      const secret = generateWebhookSecret();
      const next = await sealed.seal(keyOwnerOf(row.owner), sealedObject(id), secret);
      const now = clock();
      const expiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000).toISOString() : null;
      await transact((tx) =>
        dal.updateEndpoint(tx, id, {
          secret_sealed: next.sealed,
          secret_key_version: next.keyVersion,
          previous_secret_sealed: expiresAt ? row.secret_sealed : null,
          previous_secret_key_version: expiresAt ? row.secret_key_version : null,
          previous_secret_expires_at: expiresAt,
          updated_at: now.toISOString(),
        }),
      );
      return { secret, previousSecretExpiresAt: expiresAt };
    },

    async sendTest(id) {
      const endpoint = await find(id);
      const deliveryId = randomUUID();
      const at = clock();
      const now = at.toISOString();
      const eventId = await transact(async (tx) => {
        const eventId = await emitEvent(tx, { type: TEST_EVENT, owner: endpoint.owner, subject: endpoint.id, data: { endpoint_id: endpoint.id } }, at);
        // For this endpoint alone: the relay does not fan it out to the owner's other endpoints.
        await dal.markPublished(tx, [eventId], now);
        const seq = (await dal.findEvent(eventId, tx))?.seq ?? 0;
        await dal.insertDeliveries(tx, [
          {
            id: deliveryId,
            endpoint_id: id,
            event_id: eventId,
            subject: endpoint.id,
            seq,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
          },
        ]);
        return eventId;
      });
      return { eventId, deliveryId };
    },

    async deliveries(id, cursor, limit, status) {
      await find(id);
      const before = decodeCursor(cursor, ['c', 'i']);
      const rows = await dal.listDeliveries(id, before ? { createdAt: before.c as string, id: before.i as string } : undefined, limit + 1, status);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { items: page.map(deliveryView), nextCursor: rows.length > limit && last ? encodeCursor({ c: last.created_at, i: last.id }) : null };
    },

    async replay(id, selection) {
      const endpoint = await find(id);
      let events: EventRow[];
      if ('eventId' in selection) {
        const event = await dal.findEvent(selection.eventId);
        if (!event || event.owner !== endpoint.owner) throw new NotFound('event');
        events = [event];
      } else {
        if (!(selection.from < selection.to)) throw new InvalidInput({ field: 'from', reason: 'invalid', message: 'must be before to' });
        events = await dal.eventsBetween(endpoint.owner, selection.from, selection.to, MAX_REPLAY);
      }
      const now = clock().toISOString();
      await transact(async (tx) => {
        const fresh = [];
        for (const event of events) {
          if (!(await dal.requeueDead(tx, id, event.id, now))) {
            fresh.push({
              id: randomUUID(),
              endpoint_id: id,
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
        await dal.insertDeliveries(tx, fresh);
      });
      return events.length;
    },

    async discard(id, deliveryId) {
      await find(id);
      const delivery = await dal.findDelivery(id, deliveryId);
      if (!delivery || delivery.status === 'delivered' || delivery.status === 'discarded') throw new NotFound('webhook_delivery');
      const now = clock().toISOString();
      await transact((tx) => dal.updateDelivery(tx, deliveryId, { status: 'discarded', lease_owner: null, lease_expires_at: null, updated_at: now }));
    },
  };
}
