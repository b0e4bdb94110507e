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
  purpose: 'data' | 'fingerprint' | 'signing' | 'audit-anchor';
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
  /** The chain the record belongs to (owners.ts: a merchant, an issuer account, or the system). */
  owner: string;
  /** Position in the owner's chain, from 1, without gaps. */
  sequence: number;
  /** `hash` of the record before it in the chain (ledger/audit-chain.ts GENESIS_HASH for the first). */
  prev_hash: string;
  /** SHA-256 (hex) of the canonical encoding of every other column (ledger/audit-chain.ts). */
  hash: string;
}

/** The newest record of each audit chain: locked by the transaction that appends to the chain. */
export interface AuditChainHeadsTable {
  owner: string;
  sequence: number;
  hash: string;
  updated_at: string;
  /** The sequence of the chain's newest anchor (0: none yet) and when it was taken (else when the chain began): when the next is due. */
  anchored_sequence: number;
  anchored_at: string;
}

/** A chain's head at one moment, signed with the vault's audit-anchor key (HMAC-SHA256). */
export interface AuditAnchorsTable {
  owner: string;
  sequence: number;
  hash: string;
  /** Version of the SYSTEM_OWNER `audit-anchor` data key that signed it. */
  key_version: number;
  /** HMAC-SHA256 (hex) of the canonical encoding of owner, sequence, hash and created_at. */
  signature: string;
  created_at: string;
}

/** The outbox: one row per committed event (ledger/ledger.ts emitEvent). */
export interface EventsTable {
  id: string;
  type: string;
  /** JSON of the event's data (never card data or secrets). */
  payload: string;
  created_at: string;
  /** When the relay fanned it out to the webhook endpoints subscribed to it (null: not yet). */
  published_at: string | null;
  /** Who may subscribe to it: `merchant:<id>` or `account:<id>` (owners.ts). */
  owner: string;
  /** What it is about (a token id, an endpoint id): the unit of ordering. */
  subject: string;
  /** Its place in its subject's commit order (1, 2, …). */
  seq: number;
  /** When the NATS publisher had it acknowledged by JetStream (null: not yet, or NATS not configured). */
  nats_published_at: string | null;
}

/** The last sequence number given to a subject's events: the counter row its emitting transaction locks. */
export interface EventSequencesTable {
  subject: string;
  last_seq: number;
}

/** A webhook endpoint of a merchant or an issuer account; its signing secrets are sealed under the owner's data key. */
export interface WebhookEndpointsTable {
  id: string;
  owner: string;
  url: string;
  description: string | null;
  /** JSON array of event types it receives; empty: all. */
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  secret_sealed: string;
  secret_key_version: number;
  /** The secret before the last rotation, still signed with until `previous_secret_expires_at`. */
  previous_secret_sealed: string | null;
  previous_secret_key_version: number | null;
  previous_secret_expires_at: string | null;
  consecutive_failures: number;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * One event to send to one endpoint: `pending` (due at `next_attempt_at`, leased by the instance sending it until
 * `lease_expires_at`), `delivered`, `dead` (every attempt failed: kept until replayed or discarded) or `discarded`.
 */
export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  subject: string;
  seq: number;
  status: 'pending' | 'delivered' | 'dead' | 'discarded';
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
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

/**
 * One row per topic of store/change-feed.ts: `version` grows by one with each change published on the topic (in
 * the change's own transaction); `subject` is what the last change concerned (an API key id, a data key owner).
 */
export interface CacheVersionsTable {
  topic: string;
  version: number;
  subject: string | null;
  changed_at: string;
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
  audit_chain_heads: AuditChainHeadsTable;
  audit_anchors: AuditAnchorsTable;
  events: EventsTable;
  accounts: AccountsTable;
  issuer_cards: IssuerCardsTable;
  network_tokens: NetworkTokensTable;
  pan_references: PanReferencesTable;
  network_operations: NetworkOperationsTable;
  event_sequences: EventSequencesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  cache_versions: CacheVersionsTable;
  token_requestors: TokenRequestorsTable;
  scheme_tokens: SchemeTokensTable;
  scheme_token_operations: SchemeTokenOperationsTable;
}
