/**
 * Table types for Kysely. Portable choices (SQLite, PostgreSQL and its distributed cousins): text ids,
 * ISO-8601 text timestamps, 0/1 integers for flags, base64 text for sealed bytes, JSON as text.
 */

export interface MerchantsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  merchant_id: string;
  secret_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** Data keys and fingerprint keys, per owner, wrapped by a master key. */
export interface DataKeysTable {
  owner: string;
  purpose: 'data' | 'fingerprint' | 'signing';
  version: number;
  wrapped_key: string;
  master_key_id: string;
  created_at: string;
}

export interface TokenScopesTable {
  id: string;
  merchant_id: string;
  name: string;
  network_tokens: number;
  par: number;
  token_ttl_days: number | null;
  created_at: string;
}

export interface CaptureKeysTable {
  alias: string;
  merchant_id: string;
  algorithm: string;
  public_key: string;
  private_key_sealed: string;
  key_version: number;
  created_at: string;
}

export interface CardTokensTable {
  id: string;
  merchant_id: string;
  token_scope_id: string;
  reuse_token: string | null;
  analytics_token: string | null;
  token_type: string;
  reuse_token_type: string;
  /** Keyed fingerprint of the PAN; cleared when the token is deleted or retired, so the card can be tokenized anew. */
  fingerprint: string | null;
  status: string;
  /** Sealed JSON of the card's sensitive fields (PAN unless analytics-only, holder name, email). */
  card_sealed: string | null;
  key_version: number | null;
  bin: string;
  last_four: string;
  brand: string | null;
  expiry_month: number;
  expiry_year: number;
  token_expiry_date: string;
  entity_id: string | null;
  payment_provider_contract: string | null;
  created_at: string;
  updated_at: string;
  row_version: number;
}

export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  status_before: string | null;
  status_after: string | null;
  reason: string | null;
  detail: string | null;
}

export interface EventsTable {
  id: string;
  type: string;
  payload: string;
  created_at: string;
  published_at: string | null;
}

export interface AccountsTable {
  id: number;
  org_id: string;
  program_id: string;
  status: string;
  created_at: string;
}

export interface IssuerCardsTable {
  id: number;
  account_id: number;
  fingerprint: string;
  card_sealed: string;
  key_version: number;
  brand: string | null;
  last_four: string;
  expiry_month: number;
  expiry_year: number;
  status: string;
  created_at: string;
}

export interface NetworkTokensTable {
  id: string;
  card_id: number;
  account_id: number;
  network: string;
  token_ref: string;
  pan_ref: string;
  status: string;
  suspenders: string;
  devices: string;
  wallet_id: string;
  token_requestor_id: string;
  payment_app_instance_id: string;
  tracking_id: string;
  network_data: string;
  network_version: number;
  created_at: string;
  updated_at: string;
}

/**
 * One journaled operation of the issuer on a network token: committed `pending` before the network is called
 * (its id is the idempotency key the call carries), then `settled` with the outcome: `applied` (the network's
 * answer was committed), `refused` (the network refused), `resolved` (settled by looking the token up at the
 * network), `unknown_token` (the network does not know the token).
 */
export interface NetworkOperationsTable {
  id: string;
  token_id: string;
  /** The issuer's operation (`SUSPEND`, `TOKEN_DEVICE_BINDING_REMOVE`…). */
  operation: string;
  /** JSON of the network call (issuer/journal.ts JournaledCall), sent again under the same key by a retry. */
  call: string;
  /** The token's network version when the intent was committed. */
  expected_version: number;
  status: 'pending' | 'settled';
  outcome: string | null;
  /** The network version the entry was settled at. */
  result_version: number | null;
  actor: string;
  reason: string | null;
  created_at: string;
  settled_at: string | null;
}

export interface PanReferencesTable {
  pan_ref: string;
  card_id: number;
  network: string;
}

/** A merchant's token requestor id (11 digits, led by the network's range) on one network. */
export interface TokenRequestorsTable {
  id: string;
  merchant_id: string;
  network: string;
  created_at: string;
}

/**
 * The card-on-file network token a merchant holds for one reuse token. `PENDING` while the provisioning call is
 * journaled and unanswered; then `VALID`, `SUSPENDED` or `DELETED` as the network says. The token number is kept
 * sealed only.
 */
export interface SchemeTokensTable {
  card_token_id: string;
  merchant_id: string;
  network: string;
  token_requestor_id: string;
  token_ref: string | null;
  status: string;
  network_token_sealed: string | null;
  key_version: number | null;
  expiry_month: number | null;
  expiry_year: number | null;
  par: string | null;
  network_version: number;
  created_at: string;
  updated_at: string;
}

/**
 * The merchant side's journal of its calls to the network on a scheme token: committed `pending` before the call
 * (its id is the call's idempotency key), `settled` with the outcome (`applied`, `declined`, `refused`, `resolved`).
 */
export interface SchemeTokenOperationsTable {
  id: string;
  card_token_id: string;
  operation: string;
  status: 'pending' | 'settled';
  outcome: string | null;
  created_at: string;
  settled_at: string | null;
}

export interface Database {
  merchants: MerchantsTable;
  api_keys: ApiKeysTable;
  data_keys: DataKeysTable;
  token_scopes: TokenScopesTable;
  capture_keys: CaptureKeysTable;
  card_tokens: CardTokensTable;
  audit_log: AuditLogTable;
  events: EventsTable;
  accounts: AccountsTable;
  issuer_cards: IssuerCardsTable;
  network_tokens: NetworkTokensTable;
  pan_references: PanReferencesTable;
  network_operations: NetworkOperationsTable;
  token_requestors: TokenRequestorsTable;
  scheme_tokens: SchemeTokensTable;
  scheme_token_operations: SchemeTokenOperationsTable;
}
