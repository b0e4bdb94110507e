/**
 * schema.ts (the row types Kysely checks queries against) tested against the migrations: a fresh database on
 * each engine is migrated and introspected, and every table and column of the `Database` interface must exist
 * with the same kind of value and nullability, and nothing else. `EXPECTED` is derived from the interface by
 * the compiler, so a column added to one side only fails either the type check or this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/database.js';
import type { Database } from '../../src/store/schema.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';

/** `integer` / `text`, with `?` when the column may be NULL: computed from the row type, so it cannot drift. */
type Spec<V> = `${NonNullable<V> extends number ? 'integer' : 'text'}${null extends V ? '?' : ''}`;
type Expected = { [T in keyof Database]: { [C in keyof Database[T]]-?: Spec<Database[T][C]> } };

const EXPECTED: Expected = {
  merchants: { id: 'text', name: 'text', created_at: 'text' },
  api_keys: { id: 'text', merchant_id: 'text', secret_hash: 'text', created_at: 'text', revoked_at: 'text?' },
  data_keys: { owner: 'text', purpose: 'text', version: 'integer', wrapped_key: 'text', master_key_id: 'text', created_at: 'text' },
  token_scopes: { id: 'text', merchant_id: 'text', name: 'text', network_tokens: 'integer', par: 'integer', token_ttl_days: 'integer?', created_at: 'text' },
  capture_keys: {
    alias: 'text',
    merchant_id: 'text',
    algorithm: 'text',
    public_key: 'text',
    private_key_sealed: 'text',
    key_version: 'integer',
    created_at: 'text',
  },
  card_tokens: {
    id: 'text',
    merchant_id: 'text',
    token_scope_id: 'text',
    reuse_token: 'text?',
    analytics_token: 'text?',
    token_type: 'text',
    reuse_token_type: 'text',
    fingerprint: 'text?',
    status: 'text',
    card_sealed: 'text?',
    key_version: 'integer?',
    bin: 'text',
    last_four: 'text',
    brand: 'text?',
    expiry_month: 'integer',
    expiry_year: 'integer',
    token_expiry_date: 'text',
    entity_id: 'text?',
    payment_provider_contract: 'text?',
    created_at: 'text',
    updated_at: 'text',
    row_version: 'integer',
  },
  audit_log: {
    id: 'text',
    at: 'text',
    actor: 'text',
    action: 'text',
    object_type: 'text',
    object_id: 'text',
    status_before: 'text?',
    status_after: 'text?',
    reason: 'text?',
    detail: 'text?',
    owner: 'text',
    sequence: 'integer',
    prev_hash: 'text',
    hash: 'text',
  },
  events: {
    id: 'text',
    type: 'text',
    payload: 'text',
    created_at: 'text',
    published_at: 'text?',
    owner: 'text',
    subject: 'text',
    seq: 'integer',
    nats_published_at: 'text?',
  },
  audit_chain_heads: { owner: 'text', sequence: 'integer', hash: 'text', updated_at: 'text', anchored_sequence: 'integer', anchored_at: 'text' },
  audit_anchors: { owner: 'text', sequence: 'integer', hash: 'text', key_version: 'integer', signature: 'text', created_at: 'text' },
  accounts: { id: 'integer', org_id: 'text', program_id: 'text', status: 'text', created_at: 'text' },
  issuer_cards: {
    id: 'integer',
    account_id: 'integer',
    fingerprint: 'text',
    card_sealed: 'text',
    key_version: 'integer',
    brand: 'text?',
    last_four: 'text',
    expiry_month: 'integer',
    expiry_year: 'integer',
    status: 'text',
    created_at: 'text',
  },
  network_tokens: {
    id: 'text',
    card_id: 'integer',
    account_id: 'integer',
    network: 'text',
    token_ref: 'text',
    pan_ref: 'text',
    status: 'text',
    suspenders: 'text',
    devices: 'text',
    wallet_id: 'text',
    token_requestor_id: 'text',
    payment_app_instance_id: 'text',
    tracking_id: 'text',
    network_data: 'text',
    network_version: 'integer',
    created_at: 'text',
    updated_at: 'text',
  },
  pan_references: { pan_ref: 'text', card_id: 'integer', network: 'text' },
  network_operations: {
    id: 'text',
    token_id: 'text',
    operation: 'text',
    call: 'text',
    expected_version: 'integer',
    status: 'text',
    outcome: 'text?',
    result_version: 'integer?',
    actor: 'text',
    reason: 'text?',
    created_at: 'text',
    settled_at: 'text?',
  },
  event_sequences: { subject: 'text', last_seq: 'integer' },
  webhook_endpoints: {
    id: 'text',
    owner: 'text',
    url: 'text',
    description: 'text?',
    event_types: 'text',
    enabled: 'integer',
    disabled_reason: 'text?',
    secret_sealed: 'text',
    secret_key_version: 'integer',
    previous_secret_sealed: 'text?',
    previous_secret_key_version: 'integer?',
    previous_secret_expires_at: 'text?',
    consecutive_failures: 'integer',
    failing_since: 'text?',
    created_at: 'text',
    updated_at: 'text',
  },
  webhook_deliveries: {
    id: 'text',
    endpoint_id: 'text',
    event_id: 'text',
    subject: 'text',
    seq: 'integer',
    status: 'text',
    attempts: 'integer',
    next_attempt_at: 'text',
    lease_owner: 'text?',
    lease_expires_at: 'text?',
    last_status_code: 'integer?',
    last_error: 'text?',
    created_at: 'text',
    updated_at: 'text',
    delivered_at: 'text?',
  },
  cache_versions: { topic: 'text', version: 'integer', subject: 'text?', changed_at: 'text' },
  token_requestors: { id: 'text', merchant_id: 'text', network: 'text', created_at: 'text' },
  scheme_tokens: {
    card_token_id: 'text',
    merchant_id: 'text',
    network: 'text',
    token_requestor_id: 'text',
    token_ref: 'text?',
    status: 'text',
    network_token_sealed: 'text?',
    key_version: 'integer?',
    expiry_month: 'integer?',
    expiry_year: 'integer?',
    par: 'text?',
    network_version: 'integer',
    created_at: 'text',
    updated_at: 'text',
  },
  scheme_token_operations: {
    id: 'text',
    card_token_id: 'text',
    operation: 'text',
    status: 'text',
    outcome: 'text?',
    created_at: 'text',
    settled_at: 'text?',
  },
};

/** What a migrated column holds, in the same words: SQLite `integer`/`bigint`, PostgreSQL `int4`/`int8` → integer. */
const kindOf = (dataType: string) => (/int/i.test(dataType) ? 'integer' : /text|char/i.test(dataType) ? 'text' : dataType);

describe.each(ENGINES)('schema.ts against the migrations on %s', (engine) => {
  let database: TestDatabase;
  let store: Store;
  const actual = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    database = freshDatabase(engine);
    store = await openStore(database.config);
    // PostgreSQL lists the tables of every schema; the suites running beside this one have theirs (with other
    // tables: the network simulator's, test probes), so only this database's own schema is compared.
    const own =
      database.config.engine === 'postgres'
        ? ((await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db)).rows[0]?.schema ?? 'public')
        : undefined;
    for (const table of await store.db.introspection.getTables()) {
      if (own !== undefined && table.schema !== own) continue;
      // A SQLite PRIMARY KEY that is not an INTEGER one does not imply NOT NULL in the catalogue; the key is
      // what the row type relies on, so key columns count as required there.
      const keyColumns = new Set<string>();
      if (engine === 'sqlite') {
        const { rows } = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table.name})`.execute(store.db);
        for (const row of rows) if (row.pk > 0) keyColumns.add(row.name);
      }
      actual.set(table.name, new Map(table.columns.map((c) => [c.name, `${kindOf(c.dataType)}${c.isNullable && !keyColumns.has(c.name) ? '?' : ''}`])));
    }
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('the migrations create exactly the tables of the Database interface', () => {
    expect([...actual.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED) as Array<keyof Database>)('%s has exactly the columns of its row type, of the same kind and nullability', (table) => {
    const columns = actual.get(table);
    expect(columns, `table ${table} is missing`).toBeDefined();
    expect(Object.fromEntries([...columns!.entries()].sort())).toEqual(Object.fromEntries(Object.entries(EXPECTED[table]).sort()));
  });
});
