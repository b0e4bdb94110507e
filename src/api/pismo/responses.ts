/**
 * Renders an issuer token view as the contract's GET answer (TokenInfoCardTokenResponse and its examples).
 */
import type { components } from '../../contracts/pismo.js';
import type { IssuerTokenView } from '../../issuer/types.js';

export type TokenInfoResponse = components['schemas']['TokenInfoCardTokenResponse'];

export function tokenInfoResponse(view: IssuerTokenView): TokenInfoResponse {
  return {
    token: { key: { token_ref: view.tokenRef, pan_ref: view.panRef, payment_network: view.network } },
    token_id: view.id,
    card_id: view.cardId,
    wallet_id: view.walletId,
    account_id: view.accountId,
    program_id: view.programId,
    org_id: view.orgId,
    payment_app_instance_id: view.paymentAppInstanceId,
    tracking_id: view.trackingId,
    status: view.status,
    updated_at: view.updatedAt,
    devices: view.devices.map((d) => ({ device_id: d.deviceId, device_index: d.deviceIndex, status: d.status })),
    // The contract types network_data as an empty object; it carries the network's own record.
    network_data: view.networkData as TokenInfoResponse['network_data'],
  };
}
