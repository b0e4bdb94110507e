/** The admin contract's types (generated from openapi/admin.openapi.json) under short names, and the edge's deps. */
import type { components, operations } from '../../contracts/admin.js';
import type { MerchantAdmin } from '../../admin/merchant-admin.js';
import type { CaptureKeyService } from '../../merchant/capture-key-service.js';
import type { MerchantAuthenticator } from '../../auth/merchant-basic.js';
import type { IssuerAccounts as IssuerAdmin } from '../../issuer/accounts.js';
import type { WebhookEndpoints } from '../../webhooks/endpoints.js';
import type { DataKeys } from '../../keys/data-keys.js';
import type { TokenRequestorService } from '../../merchant/token-requestors.js';
import type { AuditQuery } from '../../ledger/audit-query.js';

export type Schemas = components['schemas'];
export type PathOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['path']>;
export type QueryOf<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

/** What the admin operations call: the admin, capture-key and issuer-accounts services, each narrowed. */
export interface AdminApiDeps {
  adminToken: string;
  merchants: MerchantAdmin;
  captureKeys: Pick<CaptureKeyService, 'create' | 'list' | 'get' | 'revoke'>;
  /** Told about a revoked API key, so a cached verification of it ends at once. */
  authenticator: Pick<MerchantAuthenticator, 'forget'>;
  /** Webhook endpoints of merchants and issuer accounts, their deliveries and replays. */
  webhooks: WebhookEndpoints;
  issuerAccounts: Pick<IssuerAdmin, 'createAccount' | 'createCard' | 'issueAccessToken' | 'listAccounts' | 'getAccount' | 'listCards' | 'getCard'>;
  /** Data-key rotation (a new version for new writes). */
  dataKeys: Pick<DataKeys, 'rotate'>;
  tokenRequestors: Pick<TokenRequestorService, 'register' | 'list'>;
  /** The audit trail, read (ledger/audit-query.ts). */
  audit: AuditQuery;
}
