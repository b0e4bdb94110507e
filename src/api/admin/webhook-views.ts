/** The admin API's shapes of webhook endpoints and deliveries (openapi/admin.openapi.json), from the domain's views. */
import { InvalidInput } from '../../errors.js';
import { accountOwner, merchantOwner } from '../../owners.js';
import type { DeliveryView, EndpointView } from '../../webhooks/endpoints.js';
import type { Schemas } from './types.js';

export function endpointBody(view: EndpointView): Schemas['WebhookEndpoint'] {
  const [kind, id] = view.owner.split(':', 2) as [string, string];
  return {
    id: view.id,
    ...(kind === 'merchant' ? { merchant_id: id } : { account_id: id }),
    url: view.url,
    description: view.description,
    event_types: view.eventTypes,
    enabled: view.enabled,
    disabled_reason: view.disabledReason,
    previous_secret_expires_at: view.previousSecretExpiresAt,
    created_at: view.createdAt,
    updated_at: view.updatedAt,
  };
}

export function deliveryBody(view: DeliveryView): Schemas['WebhookDelivery'] {
  return {
    id: view.id,
    event_id: view.eventId,
    event_type: view.eventType,
    status: view.status,
    attempts: view.attempts,
    last_status_code: view.lastStatusCode,
    last_error: view.lastError,
    next_attempt_at: view.nextAttemptAt,
    created_at: view.createdAt,
    delivered_at: view.deliveredAt,
  };
}

/** Exactly one of `merchant_id` and `account_id` (in `where`: body or query), as an event owner. */
export function ownerFrom(input: { merchant_id?: string | undefined; account_id?: string | undefined }, where: 'body' | 'query'): string {
  if ((input.merchant_id === undefined) === (input.account_id === undefined)) {
    throw new InvalidInput({ field: `${where}.merchant_id`, reason: 'required', message: 'give exactly one of merchant_id and account_id' });
  }
  return input.merchant_id !== undefined ? merchantOwner(input.merchant_id) : accountOwner(input.account_id as string);
}

export const DEFAULT_PAGE = 50;
