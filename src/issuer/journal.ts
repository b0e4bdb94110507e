/**
 * What the issuer's journal of network operations records (the `network_operations` table): the network call an
 * operation means, in a form that can be stored, compared with a retry's and sent again under the same
 * idempotency key. Pure: no I/O (the queries are in dal.ts, the flow in token-service.ts).
 *
 * The flow, per token: the intent is committed `pending` before the network is called; the call carries the
 * entry's id as its idempotency key; the network's answer, the token's new state, its audit record and its event
 * commit in one transaction with the entry settled. An entry left pending (a timeout, a crash) is settled by the
 * reconciler, which asks the network for the token, or by a retry: the same operation is sent again under the
 * same key (the network answers with its first answer, or applies it now if it never did), another operation
 * first settles the pending entries by a look-up.
 */
import type { NetworkGateway } from '../network/gateway.js';
import type { ApprovalMethod, DeviceAction, LifecycleAction, NetworkToken, PaymentNetwork } from '../network/types.js';

/** A network call, without its token and key. `reason` is free text: two calls differing only in it are the same. */
export type JournaledCall =
  | { kind: 'lifecycle'; action: LifecycleAction; reason: string }
  | { kind: 'approve_latest_device'; method: ApprovalMethod }
  | { kind: 'device_binding'; deviceId: string; deviceIndex: number; action: DeviceAction; reason: string };

/** The states of an entry, and how a settled one was settled. */
export type JournalOutcome = 'applied' | 'refused' | 'resolved' | 'unknown_token';

/** Whether a retry asks the network for the same thing as a pending entry (reasons aside). */
export function sameCall(a: JournaledCall, b: JournaledCall): boolean {
  switch (a.kind) {
    case 'lifecycle':
      return b.kind === 'lifecycle' && a.action === b.action;
    case 'approve_latest_device':
      return b.kind === 'approve_latest_device' && a.method === b.method;
    case 'device_binding':
      return b.kind === 'device_binding' && a.deviceId === b.deviceId && a.deviceIndex === b.deviceIndex && a.action === b.action;
  }
}

export function parseCall(json: string): JournaledCall {
  return JSON.parse(json) as JournaledCall;
}

/** Sends a journaled call for a token, under its idempotency key. */
export function sendCall(
  gateway: NetworkGateway,
  token: { network: PaymentNetwork; tokenRef: string },
  call: JournaledCall,
  idempotencyKey: string,
): Promise<NetworkToken> {
  const { network, tokenRef } = token;
  switch (call.kind) {
    case 'lifecycle':
      return gateway.lifecycle({ network, tokenRef, action: call.action, entity: 'ISSUER', reason: call.reason, idempotencyKey });
    case 'approve_latest_device':
      return gateway.approveLatestInactiveDevice({ network, tokenRef, method: call.method, idempotencyKey });
    case 'device_binding':
      return gateway.deviceBinding({
        network,
        tokenRef,
        deviceId: call.deviceId,
        deviceIndex: call.deviceIndex,
        action: call.action,
        reason: call.reason,
        idempotencyKey,
      });
  }
}
