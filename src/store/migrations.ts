/**
 * Schema migrations, in code so they ship inside the build. Run at start and by `tessera migrate`.
 * Only portable DDL: text/integer columns, plain and unique indexes.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('merchants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema
      .createTable('data_keys')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('purpose', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('wrapped_key', 'text', (c) => c.notNull())
      .addColumn('master_key_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('data_keys_pk', ['owner', 'purpose', 'version'])
      .execute();
    await db.schema
      .createTable('token_scopes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('network_tokens', 'integer', (c) => c.notNull())
      .addColumn('par', 'integer', (c) => c.notNull())
      .addColumn('token_ttl_days', 'integer')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('capture_keys')
      .addColumn('alias', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('algorithm', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('private_key_sealed', 'text', (c) => c.notNull())
      .addColumn('key_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('capture_keys_merchant').on('capture_keys').column('merchant_id').execute();
    await db.schema
      .createTable('card_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('token_scope_id', 'text', (c) => c.notNull().references('token_scopes.id'))
      .addColumn('reuse_token', 'text', (c) => c.unique())
      .addColumn('analytics_token', 'text')
      .addColumn('token_type', 'text', (c) => c.notNull())
      .addColumn('reuse_token_type', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('card_sealed', 'text')
      .addColumn('key_version', 'integer')
      .addColumn('bin', 'text', (c) => c.notNull())
      .addColumn('last_four', 'text', (c) => c.notNull())
      .addColumn('brand', 'text')
      .addColumn('expiry_month', 'integer', (c) => c.notNull())
      .addColumn('expiry_year', 'integer', (c) => c.notNull())
      .addColumn('token_expiry_date', 'text', (c) => c.notNull())
      .addColumn('entity_id', 'text')
      .addColumn('payment_provider_contract', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('row_version', 'integer', (c) => c.notNull())
      .execute();
    // The upsert key: one live token per card, scope and reuse token type. Deleted tokens drop their
    // fingerprint (NULLs never collide), so the same card can be tokenized again afterwards.
    await db.schema.createIndex('card_tokens_upsert_key').on('card_tokens').columns(['token_scope_id', 'reuse_token_type', 'fingerprint']).unique().execute();
    await db.schema.createIndex('card_tokens_analytics').on('card_tokens').columns(['merchant_id', 'analytics_token']).execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('object_type', 'text', (c) => c.notNull())
      .addColumn('object_id', 'text', (c) => c.notNull())
      .addColumn('status_before', 'text')
      .addColumn('status_after', 'text')
      .addColumn('reason', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_log_object').on('audit_log').columns(['object_type', 'object_id']).execute();
    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('published_at', 'text')
      .execute();
    await db.schema.createIndex('events_unpublished').on('events').columns(['published_at', 'created_at']).execute();
  },
};

const issuer: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('program_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('issuer_cards')
      .addColumn('id', 'bigint', (c) => c.primaryKey())
      .addColumn('account_id', 'bigint', (c) => c.notNull().references('accounts.id'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('card_sealed', 'text', (c) => c.notNull())
      .addColumn('key_version', 'integer', (c) => c.notNull())
      .addColumn('brand', 'text')
      .addColumn('last_four', 'text', (c) => c.notNull())
      .addColumn('expiry_month', 'integer', (c) => c.notNull())
      .addColumn('expiry_year', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('issuer_cards_account').on('issuer_cards').column('account_id').execute();
    await db.schema.createIndex('issuer_cards_fingerprint').on('issuer_cards').column('fingerprint').execute();
    await db.schema
      .createTable('network_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('card_id', 'bigint', (c) => c.notNull().references('issuer_cards.id'))
      .addColumn('account_id', 'bigint', (c) => c.notNull())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('token_ref', 'text', (c) => c.notNull().unique())
      .addColumn('pan_ref', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('suspenders', 'text', (c) => c.notNull())
      .addColumn('devices', 'text', (c) => c.notNull())
      .addColumn('wallet_id', 'text', (c) => c.notNull())
      .addColumn('token_requestor_id', 'text', (c) => c.notNull())
      .addColumn('payment_app_instance_id', 'text', (c) => c.notNull())
      .addColumn('tracking_id', 'text', (c) => c.notNull())
      .addColumn('network_data', 'text', (c) => c.notNull())
      .addColumn('network_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('network_tokens_card').on('network_tokens').column('card_id').execute();
    // How the issuer side knows which card a network's PAN reference stands for (learned at decision time).
    await db.schema
      .createTable('pan_references')
      .addColumn('pan_ref', 'text', (c) => c.primaryKey())
      .addColumn('card_id', 'bigint', (c) => c.notNull().references('issuer_cards.id'))
      .addColumn('network', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Formerly created the network simulator's tables. The simulator now owns its schema and migrations
 * (network/simulator/migrations.ts, which adopts tables this migration made in older databases); the name stays so
 * that databases which ran it still migrate.
 */
const networkSimulator: Migration = {
  async up() {},
};

/**
 * The issuer's journal of network operations (issuer/token-service.ts): each intent is committed before the call
 * to the network, under the idempotency key the call carries, and settled with the network's answer or by the
 * reconciler.
 */
const networkOperations: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('network_operations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_id', 'text', (c) => c.notNull().references('network_tokens.id'))
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('call', 'text', (c) => c.notNull())
      .addColumn('expected_version', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text')
      .addColumn('result_version', 'integer')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('settled_at', 'text')
      .execute();
    await db.schema.createIndex('network_operations_pending').on('network_operations').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('network_operations_token').on('network_operations').columns(['token_id', 'status']).execute();
  },
};

/**
 * Event delivery (ledger/outbox.ts, webhooks/, nats/): each event names its owner (who may subscribe to it), its
 * subject (the token it is about) and its place in that subject's commit order (`event_sequences`, one counter row
 * per subject, locked by the transaction that emits); webhook endpoints with sealed signing secrets; one delivery
 * row per event and endpoint, leased by the relay instance that sends it.
 */
const eventDelivery: Migration = {
  async up(db: Kysely<unknown>) {
    // SQLite adds one column per statement.
    await db.schema
      .alterTable('events')
      .addColumn('owner', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable('events')
      .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable('events')
      .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('events').addColumn('nats_published_at', 'text').execute();
    await db.schema.createIndex('events_nats_pending').on('events').columns(['nats_published_at', 'created_at']).execute();
    await db.schema.createIndex('events_owner_created').on('events').columns(['owner', 'created_at']).execute();
    await db.schema.createIndex('events_subject_seq').on('events').columns(['subject', 'seq']).execute();
    await db.schema
      .createTable('event_sequences')
      .addColumn('subject', 'text', (c) => c.primaryKey())
      .addColumn('last_seq', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('secret_sealed', 'text', (c) => c.notNull())
      .addColumn('secret_key_version', 'integer', (c) => c.notNull())
      .addColumn('previous_secret_sealed', 'text')
      .addColumn('previous_secret_key_version', 'integer')
      .addColumn('previous_secret_expires_at', 'text')
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull())
      .addColumn('failing_since', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_endpoints_owner').on('webhook_endpoints').columns(['owner', 'id']).execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'text')
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('webhook_deliveries_order').on('webhook_deliveries').columns(['endpoint_id', 'subject', 'seq']).execute();
    await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
    await db.schema.createIndex('webhook_deliveries_event').on('webhook_deliveries').column('event_id').execute();
  },
};

/**
 * The retention job (merchant/token-expiry.ts) looks up tokens expired long enough whose sealed card is still
 * there: an index on the expiry date spares it a scan of every token.
 */
const tokenExpiry: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('card_tokens_expiry').on('card_tokens').column('token_expiry_date').execute();
  },
};

/**
 * Instances agree (store/change-feed.ts): one row per kind of cached state other instances must drop when it
 * changes (API keys, data keys), its version bumped in the same transaction as the change. Every instance polls
 * these rows as the fallback for a missed notification. And `tessera rewrap` finds the data keys still wrapped
 * by another master key than the current one through an index.
 */
const instanceSync: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cache_versions')
      .addColumn('topic', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('changed_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('data_keys_master_key').on('data_keys').column('master_key_id').execute();
  },
};

/**
 * The audit trail becomes a hash chain per owner (ledger/audit-chain.ts): each record carries its owner, its
 * position and its predecessor's hash; one head row per chain is what appenders lock; signed anchors pin heads.
 * Records written before this migration have owner '' and sequence 0 until the ledger chains them at start-up.
 */
const auditChain: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('audit_log')
      .addColumn('owner', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable('audit_log')
      .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('audit_log')
      .addColumn('prev_hash', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema
      .alterTable('audit_log')
      .addColumn('hash', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    // Not unique: a forged duplicate must be storable so that `tessera audit verify` can name it.
    await db.schema.createIndex('audit_log_chain').on('audit_log').columns(['owner', 'sequence']).execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
    await db.schema
      .createTable('audit_chain_heads')
      .addColumn('owner', 'text', (c) => c.primaryKey())
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('anchored_sequence', 'integer', (c) => c.notNull())
      .addColumn('anchored_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_anchors')
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('key_version', 'integer', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_anchors_pk', ['owner', 'sequence'])
      .execute();
  },
};

/**
 * Merchant scheme (network) tokens, issue 10: each merchant's token requestor id per network, the card-on-file
 * network token held for a reuse token, and the merchant side's journal of its calls to the network (committed
 * before each call, under the idempotency key the call carries; settled with the answer or by the reconciler).
 */
const schemeTokens: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('token_requestors')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    // One token requestor per merchant and network.
    await db.schema.createIndex('token_requestors_merchant_network').on('token_requestors').columns(['merchant_id', 'network']).unique().execute();
    await db.schema
      .createTable('scheme_tokens')
      .addColumn('card_token_id', 'text', (c) => c.primaryKey().references('card_tokens.id'))
      .addColumn('merchant_id', 'text', (c) => c.notNull())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('token_requestor_id', 'text', (c) => c.notNull())
      .addColumn('token_ref', 'text', (c) => c.unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('network_token_sealed', 'text')
      .addColumn('key_version', 'integer')
      .addColumn('expiry_month', 'integer')
      .addColumn('expiry_year', 'integer')
      .addColumn('par', 'text')
      .addColumn('network_version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('scheme_token_operations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('card_token_id', 'text', (c) => c.notNull().references('card_tokens.id'))
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('settled_at', 'text')
      .execute();
    await db.schema.createIndex('scheme_token_operations_pending').on('scheme_token_operations').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('scheme_token_operations_token').on('scheme_token_operations').columns(['card_token_id', 'status']).execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_merchant_vault': initial,
  '0002_issuer_tokens': issuer,
  '0003_network_simulator': networkSimulator,
  '0004_network_operations': networkOperations,
  '0005_event_delivery': eventDelivery,
  '0006_audit_chain': auditChain,
  '0008_instance_sync': instanceSync,
  '0009_token_expiry': tokenExpiry,
  '0010_scheme_tokens': schemeTokens,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** `schema`: where the migration bookkeeping lives on PostgreSQL (Kysely would otherwise look in every schema). */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}

/** Names of the migrations this build has that the database has not run yet (readiness: none may be pending). */
export async function pendingMigrations(db: Kysely<unknown>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  return (await migrator.getMigrations()).filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
