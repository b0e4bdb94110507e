/**
 * Shapes a stored network token as the contract's GET answer (TokenInfoCardTokenResponse and its examples).
 */
import type { IssuerTokenView } from './token-service.js';

export function tokenInfoResponse(view: IssuerTokenView) {
  const { row, account } = view;
  return {
    token: { key: { token_ref: row.token_ref, pan_ref: row.pan_ref, payment_network: row.network } },
    token_id: row.id,
    card_id: row.card_id,
    wallet_id: row.wallet_id,
    account_id: row.account_id,
    program_id: account.program_id,
    org_id: account.org_id,
    payment_app_instance_id: row.payment_app_instance_id,
    tracking_id: row.tracking_id,
    status: row.status,
    updated_at: row.updated_at,
    devices: view.devices.map((d) => ({ device_id: d.device_id, device_index: d.device_index, status: d.status })),
    network_data: view.networkData,
  };
}
