/**
 * All SQL of webhook delivery: endpoints, their deliveries, the relay's claims and leases, and what the relay reads
 * of the outbox (the events table belongs to the ledger; its rows are read here only to fan them out and to send
 * them). On PostgreSQL, claims use `FOR UPDATE SKIP LOCKED`, so instances sharing the database never take the same
 * rows; SQLite has one writer and needs none.
 */
import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import { firstUnhandledPerSubject } from '../ledger/dal.js';
import type { Database, EventsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../store/schema.js';
import type { Executor, Tx } from '../store/transactions.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type EventRow = Selectable<EventsTable>;

/** A delivery claimed for sending, with what its request is made of. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  event: EventRow;
  endpoint: EndpointRow;
}

/** A delivery as the admin API lists it: the row and the type of its event. */
export type DeliveryWithType = DeliveryRow & { event_type: string };

export interface WebhooksDal {
  insertEndpoint(tx: Tx, row: Insertable<WebhookEndpointsTable>): Promise<void>;
  findEndpoint(id: string, executor?: Executor): Promise<EndpointRow | undefined>;
  /** Endpoints of `owner`, ordered by id, after `afterId`. */
  listEndpoints(owner: string, afterId: string | undefined, limit: number): Promise<EndpointRow[]>;
  updateEndpoint(tx: Tx, id: string, changes: Updateable<WebhookEndpointsTable>): Promise<boolean>;
  deleteEndpoint(tx: Tx, id: string): Promise<boolean>;
  /** Enabled endpoints of any of `owners`. */
  enabledEndpointsOf(tx: Tx, owners: readonly string[]): Promise<EndpointRow[]>;

  insertDeliveries(tx: Tx, rows: readonly Insertable<WebhookDeliveriesTable>[]): Promise<void>;
  /** Deliveries of an endpoint, newest first, before the (created_at, id) cursor. */
  listDeliveries(endpointId: string, before: { createdAt: string; id: string } | undefined, limit: number, status?: string): Promise<DeliveryWithType[]>;
  findDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined>;
  updateDelivery(tx: Tx, id: string, changes: Updateable<WebhookDeliveriesTable>, leaseOwner?: string): Promise<boolean>;

  findEvent(id: string, executor?: Executor): Promise<EventRow | undefined>;
  /** Events of `owner` created in [from, to), oldest first, at most `limit`. */
  eventsBetween(owner: string, from: string, to: string, limit: number): Promise<EventRow[]>;

  /** Unpublished events, oldest first, locked for this transaction (skipping those another instance holds). */
  claimUnpublished(tx: Tx, limit: number): Promise<EventRow[]>;
  markPublished(tx: Tx, ids: readonly string[], at: string): Promise<void>;
  /**
   * Due deliveries of enabled endpoints that are first in their subject's order (no earlier delivery of the same
   * subject to the same endpoint still pending), not leased by anyone, leased to `leaseOwner` until `leaseUntil`.
   */
  claimDue(now: string, leaseOwner: string, leaseUntil: string, limit: number): Promise<ClaimedDelivery[]>;

  /** One more failed attempt of the endpoint; its failures in a row and since when it has been failing. */
  recordEndpointFailure(tx: Tx, id: string, now: string): Promise<{ failures: number; failingSince: string } | undefined>;
  recordEndpointSuccess(tx: Tx, id: string): Promise<void>;
  /** Disables an enabled endpoint; false when it was not enabled (so it is disabled, and announced, once). */
  disableEndpoint(tx: Tx, id: string, reason: string, now: string): Promise<boolean>;
  ownerExists(owner: string): Promise<boolean>;
  requeueDead(tx: Tx, endpointId: string, eventId: string, now: string): Promise<boolean>;

  /** Oldest undelivered work (unpublished events, pending deliveries) and how much of it there is. */
  backlog(): Promise<{ oldest: string | null; pending: number }>;
  /** Deletes delivered events older than `before` with no delivery still pending or dead; how many. */
  pruneEvents(before: string, natsRequired: boolean, limit: number): Promise<number>;
}

const SKIP_LOCKED_ENGINES = new Set(['postgres']);

export function createWebhooksDal(db: Kysely<Database>, engine: string): WebhooksDal {
  const skipLocked = SKIP_LOCKED_ENGINES.has(engine);

  return {
    async insertEndpoint(tx, row) {
      await tx.insertInto('webhook_endpoints').values(row).execute();
    },
    findEndpoint: (id, executor = db) => executor.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst(),
    async listEndpoints(owner, afterId, limit) {
      let query = db.selectFrom('webhook_endpoints').selectAll().where('owner', '=', owner);
      if (afterId) query = query.where('id', '>', afterId);
      return query.orderBy('id').limit(limit).execute();
    },
    async updateEndpoint(tx, id, changes) {
      const result = await tx.updateTable('webhook_endpoints').set(changes).where('id', '=', id).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteEndpoint(tx, id) {
      await tx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      const result = await tx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async enabledEndpointsOf(tx, owners) {
      if (owners.length === 0) return [];
      return tx.selectFrom('webhook_endpoints').selectAll().where('owner', 'in', owners).where('enabled', '=', 1).execute();
    },

    async insertDeliveries(tx, rows) {
      if (rows.length > 0)
        await tx
          .insertInto('webhook_deliveries')
          .values([...rows])
          .execute();
    },
    async listDeliveries(endpointId, before, limit, status) {
      let query = db
        .selectFrom('webhook_deliveries as d')
        .leftJoin('events as e', 'e.id', 'd.event_id')
        .selectAll('d')
        .select(sql<string>`coalesce(e.type, '')`.as('event_type'))
        .where('d.endpoint_id', '=', endpointId);
      if (status) query = query.where('d.status', '=', status as DeliveryRow['status']);
      if (before) {
        query = query.where((eb) =>
          eb.or([eb('d.created_at', '<', before.createdAt), eb.and([eb('d.created_at', '=', before.createdAt), eb('d.id', '<', before.id)])]),
        );
      }
      return query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(limit).execute();
    },
    findDelivery: (endpointId, deliveryId) =>
      db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).where('endpoint_id', '=', endpointId).executeTakeFirst(),
    async updateDelivery(tx, id, changes, leaseOwner) {
      let query = tx.updateTable('webhook_deliveries').set(changes).where('id', '=', id);
      if (leaseOwner !== undefined) query = query.where('lease_owner', '=', leaseOwner);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    findEvent: (id, executor = db) => executor.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst(),
    eventsBetween: (owner, from, to, limit) =>
      db
        .selectFrom('events')
        .selectAll()
        .where('owner', '=', owner)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .orderBy('created_at')
        .orderBy('seq')
        .limit(limit)
        .execute(),

    async claimUnpublished(tx, limit) {
      // Only the first unpublished event of each subject: another instance fanning out an earlier one (locked,
      // hence skipped here) must commit its deliveries first, or the later event could be delivered first.
      let query = firstUnhandledPerSubject(tx, 'published_at', limit);
      if (skipLocked) query = query.forUpdate('e').skipLocked();
      return query.execute();
    },
    async markPublished(tx, ids, at) {
      if (ids.length > 0) await tx.updateTable('events').set({ published_at: at }).where('id', 'in', ids).execute();
    },
    async claimDue(now, leaseOwner, leaseUntil, limit) {
      return db.transaction().execute(async (tx) => {
        let query = tx
          .selectFrom('webhook_deliveries as d')
          .selectAll('d')
          .where('d.status', '=', 'pending')
          .where('d.next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<', now)]))
          .where(({ exists, selectFrom }) =>
            exists(selectFrom('webhook_endpoints as w').select('w.id').whereRef('w.id', '=', 'd.endpoint_id').where('w.enabled', '=', 1)),
          )
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('webhook_deliveries as p')
                  .select('p.id')
                  .whereRef('p.endpoint_id', '=', 'd.endpoint_id')
                  .whereRef('p.subject', '=', 'd.subject')
                  .where('p.status', '=', 'pending')
                  .whereRef('p.seq', '<', 'd.seq'),
              ),
            ),
          )
          .orderBy('d.next_attempt_at')
          .orderBy('d.seq')
          .limit(limit);
        if (skipLocked) query = query.forUpdate('d').skipLocked();
        const due = await query.execute();
        if (due.length === 0) return [];
        await tx
          .updateTable('webhook_deliveries')
          .set({ lease_owner: leaseOwner, lease_expires_at: leaseUntil })
          .where(
            'id',
            'in',
            due.map((row) => row.id),
          )
          .execute();
        const events = await tx
          .selectFrom('events')
          .selectAll()
          .where('id', 'in', [...new Set(due.map((row) => row.event_id))])
          .execute();
        const endpoints = await tx
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', 'in', [...new Set(due.map((row) => row.endpoint_id))])
          .execute();
        const eventById = new Map(events.map((row) => [row.id, row]));
        const endpointById = new Map(endpoints.map((row) => [row.id, row]));
        const claimed: ClaimedDelivery[] = [];
        for (const delivery of due) {
          const event = eventById.get(delivery.event_id);
          const endpoint = endpointById.get(delivery.endpoint_id);
          if (event && endpoint) claimed.push({ delivery: { ...delivery, lease_owner: leaseOwner, lease_expires_at: leaseUntil }, event, endpoint });
        }
        return claimed;
      });
    },

    async recordEndpointFailure(tx, id, now) {
      const row = await tx
        .updateTable('webhook_endpoints')
        .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1), failing_since: eb.fn.coalesce('failing_since', eb.val(now)) }))
        .where('id', '=', id)
        .returning(['consecutive_failures', 'failing_since'])
        .executeTakeFirst();
      return row ? { failures: Number(row.consecutive_failures), failingSince: row.failing_since ?? now } : undefined;
    },
    async recordEndpointSuccess(tx, id) {
      await tx
        .updateTable('webhook_endpoints')
        .set({ consecutive_failures: 0, failing_since: null })
        .where('id', '=', id)
        .where('consecutive_failures', '>', 0)
        .execute();
    },
    async disableEndpoint(tx, id, reason, now) {
      const result = await tx
        .updateTable('webhook_endpoints')
        .set({ enabled: 0, disabled_reason: reason, updated_at: now })
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    ownerExists: (owner) => ownerExists(db, owner),
    requeueDead,

    async backlog() {
      const events = await db
        .selectFrom('events')
        .select((eb) => [eb.fn.min('created_at').as('oldest'), eb.fn.countAll<number>().as('count')])
        .where('published_at', 'is', null)
        .executeTakeFirst();
      const deliveries = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => [eb.fn.min('created_at').as('oldest'), eb.fn.countAll<number>().as('count')])
        .where('status', '=', 'pending')
        .executeTakeFirst();
      const oldest = [events?.oldest, deliveries?.oldest].filter((value): value is string => typeof value === 'string').sort()[0] ?? null;
      return { oldest, pending: Number(events?.count ?? 0) + Number(deliveries?.count ?? 0) };
    },
    async pruneEvents(before, natsRequired, limit) {
      return db.transaction().execute(async (tx) => {
        let query = tx
          .selectFrom('events as e')
          .select('e.id')
          .where('e.published_at', 'is not', null)
          .where('e.created_at', '<', before)
          .where(({ not, exists, selectFrom }) =>
            not(exists(selectFrom('webhook_deliveries as d').select('d.id').whereRef('d.event_id', '=', 'e.id').where('d.status', 'in', ['pending', 'dead']))),
          )
          .limit(limit);
        if (natsRequired) query = query.where('e.nats_published_at', 'is not', null);
        const ids = (await query.execute()).map((row) => row.id);
        if (ids.length === 0) return 0;
        await tx.deleteFrom('webhook_deliveries').where('event_id', 'in', ids).execute();
        await tx.deleteFrom('events').where('id', 'in', ids).execute();
        return ids.length;
      });
    },
  };
}

/** Whether `owner` (`merchant:<id>` / `account:<id>`) names an existing merchant or issuer account. */
async function ownerExists(db: Kysely<Database>, owner: string): Promise<boolean> {
  const [kind, id] = owner.split(':', 2) as [string, string | undefined];
  if (!id) return false;
  if (kind === 'merchant') return (await db.selectFrom('merchants').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  if (kind === 'account' && /^[1-9][0-9]{0,17}$/.test(id)) {
    return (await db.selectFrom('accounts').select('id').where('id', '=', Number(id)).executeTakeFirst()) !== undefined;
  }
  return false;
}

/** Puts a dead delivery of `eventId` to `endpointId` back in the queue; false when there is none. */
async function requeueDead(tx: Tx, endpointId: string, eventId: string, now: string): Promise<boolean> {
  const result = await tx
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now, lease_owner: null, lease_expires_at: null, updated_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('event_id', '=', eventId)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
