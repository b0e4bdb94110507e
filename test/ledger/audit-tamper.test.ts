/**
 * Tampering with the audit trail directly in the database, as someone with write access to it but not to the
 * vault would: `tessera audit verify` names the first record each tampering touched, by owner, id and sequence, and
 * exits 1; an untouched trail exits 0. The exit codes are checked on the real CLI in its own process; the other
 * cases run the same verification (main.ts openAuditVerification, what the CLI calls) in this process, on the same
 * database opened anew from its URL and the master key, which is quicker on a loaded machine.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { recordHash } from '../../src/ledger/audit-chain.js';
import { openAuditVerification } from '../../src/main.js';
import type { AuditFinding, VerifyReport } from '../../src/ledger/audit-verify.js';
import { merchantOwner } from '../../src/owners.js';
import type { AuditLogTable } from '../../src/store/schema.js';
import type { TestServer } from '../support/app.js';
import { databaseUrl, runCli } from '../support/child-server.js';
import { ENGINES } from '../support/engines.js';
import { useTestServer } from '../support/fixture.js';
import { bootstrapMerchant, tokenize } from '../support/merchant.js';
import { makePan } from '../merchant/helpers.js';

const CLI_TIMEOUT_MS = 120_000;

/** The real CLI: exit code and report. */
async function verifyCli(server: TestServer, masterKey = server.env.TESSERA_MASTER_KEY!) {
  const result = await runCli(['audit', 'verify', '--database', databaseUrl(server.database.config)], {
    TESSERA_MASTER_KEY: masterKey,
    TESSERA_DATA_DIR: server.env.TESSERA_DATA_DIR!,
  });
  return { code: result.code, stderr: result.stderr, report: result.stdout ? (JSON.parse(result.stdout) as VerifyReport) : undefined };
}

/** A merchant whose chain has 8 records: its bootstrap (1-4, anchored at 4), then 4 tokenizations (5-8, not yet anchored). */
async function merchantChain(server: TestServer): Promise<{ owner: string; chain: AuditLogTable[] }> {
  const merchant = await bootstrapMerchant(server);
  await server.app.core.auditAnchors.anchorDue({ all: true });
  for (let i = 0; i < 4; i += 1) {
    expect((await tokenize(server, merchant, { cardNumber: makePan('45'), expiryMonth: 12, expiryYear: 2031, cvv: '123', cardholderName: 'A B' })).status).toBe(
      200,
    );
  }
  const owner = merchantOwner(merchant.merchantId);
  const chain = await server.app.core.store.db.selectFrom('audit_log').selectAll().where('owner', '=', owner).orderBy('sequence').execute();
  expect(chain.map((r) => Number(r.sequence))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  return { owner, chain: chain.map((r) => ({ ...r, sequence: Number(r.sequence) })) };
}

/** The same verification in process: what the CLI prints. */
async function verify(server: TestServer) {
  const config = loadConfig({ ...server.env, TESSERA_DATABASE_URL: databaseUrl(server.database.config) });
  const verification = await openAuditVerification(config);
  try {
    const report = await verification.verify();
    return { code: report.intact ? 0 : 1, report };
  } finally {
    await verification.close();
  }
}

const findingOf = (report: VerifyReport | undefined, owner: string): AuditFinding | undefined => report?.findings.find((f) => f.owner === owner);

describe.each(ENGINES)('tampering with the audit trail on %s', (engine) => {
  const server = useTestServer(engine, { env: { TESSERA_AUDIT_ANCHOR_EVERY: '1000', TESSERA_AUDIT_ANCHOR_INTERVAL_SECONDS: '86400' } });
  const db = () => server.app.core.store.db;

  it(
    'an untouched trail verifies: exit 0 and a summary of every chain',
    async () => {
      const { owner } = await merchantChain(server);
      const { code, report, stderr } = await verifyCli(server);
      expect(code, stderr).toBe(0);
      expect(report).toMatchObject({ intact: true, findings: [] });
      expect(report!.summary.find((c) => c.owner === owner)).toEqual({ owner, records: 8, anchors: 1, from: 1, head: 8, anchored: 4 });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    'an edited row is named as edited',
    async () => {
      const { owner, chain } = await merchantChain(server);
      await db().updateTable('audit_log').set({ status_after: 'SUSPENDED' }).where('id', '=', chain[5]!.id).execute();
      const { code, report } = await verifyCli(server);
      expect(code).toBe(1);
      expect(report!.intact).toBe(false);
      expect(findingOf(report, owner)).toMatchObject({ kind: 'edited', id: chain[5]!.id, sequence: 6 });
    },
    CLI_TIMEOUT_MS,
  );

  it('a deleted row is named by its sequence, between the records either side of it', async () => {
    const { owner, chain } = await merchantChain(server);
    await db().deleteFrom('audit_log').where('id', '=', chain[5]!.id).execute();
    const { code, report } = await verify(server);
    expect(code).toBe(1);
    expect(findingOf(report, owner)).toMatchObject({
      kind: 'deleted',
      sequence: 6,
      through: 6,
      after: { id: chain[4]!.id, sequence: 5 },
      before: { id: chain[6]!.id, sequence: 7 },
    });
  });

  it('the last row deleted (the head left as it was) is named too', async () => {
    const { owner, chain } = await merchantChain(server);
    await db().deleteFrom('audit_log').where('id', '=', chain[7]!.id).execute();
    const { report } = await verify(server);
    expect(findingOf(report, owner)).toMatchObject({ kind: 'deleted', sequence: 8, through: 8, after: { id: chain[6]!.id, sequence: 7 } });
  });

  it('a forged row inserted at a taken position, correctly hashed and linked, is named as inserted', async () => {
    const { owner, chain } = await merchantChain(server);
    const forged = { ...chain[5]!, id: randomUUID(), action: 'merchant.token.deleted', status_after: 'DELETED' };
    const { hash: _ignored, ...columns } = forged;
    await db()
      .insertInto('audit_log')
      .values({ ...forged, hash: recordHash(columns) })
      .execute();
    const { code, report } = await verify(server);
    expect(code).toBe(1);
    expect(findingOf(report, owner)).toMatchObject({ kind: 'inserted', id: forged.id, sequence: 6 });
  });

  it('a forged row appended after the last, correctly hashed and linked, is named as inserted (beyond the head)', async () => {
    const { owner, chain } = await merchantChain(server);
    const forged = { ...chain[7]!, id: randomUUID(), sequence: 9, prev_hash: chain[7]!.hash, action: 'api_key.created' };
    const { hash: _ignored, ...columns } = forged;
    await db()
      .insertInto('audit_log')
      .values({ ...forged, hash: recordHash(columns) })
      .execute();
    const { report } = await verify(server);
    expect(findingOf(report, owner)).toMatchObject({ kind: 'inserted', id: forged.id, sequence: 9 });
  });

  it('an edit with every later hash and the head recomputed is caught by the signed anchor', async () => {
    const { owner, chain } = await merchantChain(server);
    let previous = chain[0]!.hash;
    for (const record of chain.slice(1)) {
      const changed = { ...record, prev_hash: previous, ...(record.sequence === 2 ? { detail: JSON.stringify({ merchant_id: 'someone-else' }) } : {}) };
      const { hash: _old, ...columns } = changed;
      previous = recordHash(columns);
      await db().updateTable('audit_log').set({ prev_hash: changed.prev_hash, detail: changed.detail, hash: previous }).where('id', '=', record.id).execute();
    }
    await db().updateTable('audit_chain_heads').set({ hash: previous }).where('owner', '=', owner).execute();
    const { code, report } = await verify(server);
    expect(code).toBe(1);
    expect(findingOf(report, owner)).toMatchObject({ kind: 'rewritten', id: chain[3]!.id, sequence: 4, since: 1 });
  });

  it('a forged anchor is named, and vouches for nothing', async () => {
    const { owner, chain } = await merchantChain(server);
    await db()
      .insertInto('audit_anchors')
      .values({ owner, sequence: 8, hash: chain[7]!.hash, key_version: 1, signature: randomBytes(32).toString('hex'), created_at: new Date().toISOString() })
      .execute();
    const { report } = await verify(server);
    expect(findingOf(report, owner)).toMatchObject({ kind: 'anchor_invalid', sequence: 8 });
  });

  it(
    'without the right master key it cannot verify: exit 2, no verdict',
    async () => {
      const { code, report, stderr } = await verifyCli(server, randomBytes(32).toString('base64'));
      expect(code).toBe(2);
      expect(report).toBeUndefined();
      expect(stderr).toContain('cannot verify the audit trail');
    },
    CLI_TIMEOUT_MS,
  );
});
