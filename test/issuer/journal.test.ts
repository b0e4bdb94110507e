/**
 * Journaled network operations, through the Pismo API over real HTTP, with the network in-process and over HTTP,
 * on both engines. Every operation commits its intent (operation, token, expected version, idempotency key) before
 * the call; the call carries the key; the ack settles the entry in the transaction of the token's new state, its
 * audit record and its event. A DELETE whose answer was lost ('lost_answer': the network applied it) converges:
 * the retry resends the pending entry's key and answers 200, the reconciler settles it by asking the network, or a
 * different operation first settles it by a look-up; later operations, card-level DELETE included, never answer
 * 400 ERR4021. Each repair is audited (`token.resync`) and emitted as a `token_resync` event.
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer } from '../support/fixture.js';
import { DEPLOYMENTS, SHORT_TIMEOUT_ENV, auditRowsOf, bootstrapIssuer, eventsOf, expectPismoError, getToken, type TestToken } from '../support/issuer.js';
import type { PaymentNetwork } from '../../src/network/types.js';

describe.each(ENGINES)('journaled network operations on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    // No periodic run during the tests: each reconciliation here is asked for.
    const env = useIssuerServer(engine, { deployment, env: { ...SHORT_TIMEOUT_ENV, TESSERA_RECONCILE_INTERVAL_MS: '0' } });

    const db = () => env.server.app.core.store.db;
    const journalOf = (tokenId: string) => db().selectFrom('network_operations').selectAll().where('token_id', '=', tokenId).orderBy('created_at').execute();
    /** The network's own view, through the gateway's status look-up (over HTTP in the HTTP deployment). */
    const networkView = async (token: TestToken) => (await env.server.app.core.gateway.getToken(token.card.network, token.tokenRef))!;
    const op = (token: TestToken, operation_type: string) =>
      env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, {
        operation_type,
        operation_reason: `journal ${operation_type}`,
        operator_id: 'desk',
      });
    const cardOp = (token: TestToken, operation_type: string) =>
      env.api.operateCard(token.account.jwt, token.card.cardId, { operation_type, operation_reason: `card ${operation_type}`, operator_id: 'desk' });
    const loseNextAnswer = async (network: PaymentNetwork) => {
      const res = await env.api.fault({ network, operation: 'lifecycle', mode: 'lost_answer' });
      expect(res.status, res.text).toBe(204);
    };
    const reconcile = () => env.server.app.core.issuerTokens.reconcile({ graceMs: 0 });

    it('an acknowledged operation: its entry, committed at the expected version, is settled with the network version; the audit names the key', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      const versionBefore = (await networkView(token)).version;
      expect((await op(token, 'SUSPEND')).status).toBe(200);
      const [entry, ...more] = await journalOf(token.tokenId);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        operation: 'SUSPEND',
        expected_version: versionBefore,
        status: 'settled',
        outcome: 'applied',
        result_version: versionBefore + 1,
      });
      expect(JSON.parse(entry!.call)).toEqual({ kind: 'lifecycle', action: 'SUSPEND', reason: 'journal SUSPEND' });
      const audit = (await auditRowsOf(env.server, token.tokenId)).at(-1)!;
      expect(audit).toMatchObject({ action: 'token.suspend', detail: { idempotency_key: entry!.id, network_version: versionBefore + 1 } });
      // The network knows the key: sent again, it answers its first answer and changes nothing.
      const again = await env.server.app.core.gateway.lifecycle({
        network: 'mdes',
        tokenRef: token.tokenRef,
        action: 'SUSPEND',
        entity: 'ISSUER',
        reason: 'again',
        idempotencyKey: entry!.id,
      });
      expect(again.version).toBe(versionBefore + 1);
      expect((await networkView(token)).version).toBe(versionBefore + 1);
    });

    it('a timed-out call leaves its entry pending; the retry resends the same key and settles it', async () => {
      const token = await bootstrapIssuer(env.api, 'vts');
      expect((await env.api.fault({ network: 'vts', operation: 'lifecycle', mode: 'timeout' })).status).toBe(204);
      expectPismoError(await op(token, 'SUSPEND'), 500, 'ERR5001', 'Fail on send event');
      const [pending] = await journalOf(token.tokenId);
      expect(pending).toMatchObject({ operation: 'SUSPEND', status: 'pending', outcome: null });
      expect((await auditRowsOf(env.server, token.tokenId)).at(-1)).toMatchObject({ action: 'token.suspend.failed', detail: { idempotency_key: pending!.id } });

      expect((await op(token, 'SUSPEND')).status).toBe(200);
      expect(await journalOf(token.tokenId)).toEqual([expect.objectContaining({ id: pending!.id, status: 'settled', outcome: 'applied' })]);
      expect((await getToken(env.api, token)).status).toBe('SUSPENDED');
    });

    it('a refused call settles its entry as refused', async () => {
      const token = await bootstrapIssuer(env.api, 'vts');
      expect((await env.api.fault({ network: 'vts', operation: 'lifecycle', mode: 'error_400' })).status).toBe(204);
      expectPismoError(await op(token, 'DELETE'), 400, 'ERR4021');
      expect(await journalOf(token.tokenId)).toEqual([expect.objectContaining({ status: 'settled', outcome: 'refused', result_version: null })]);
    });

    it.each(['vts', 'mdes'] as const)(
      '%s: a DELETE applied by the network whose answer was lost: the retry answers 200 and both sides are DEACTIVATED',
      async (network) => {
        const token = await bootstrapIssuer(env.api, network);
        await loseNextAnswer(network);
        expectPismoError(await op(token, 'DELETE'), 500, 'ERR5001', 'Fail on send event');
        // The drift the journal exists for: the network deleted the token, the issuer still shows it ACTIVE.
        expect((await networkView(token)).status).toBe('DEACTIVATED');
        expect((await getToken(env.api, token)).status).toBe('ACTIVE');
        const deletedAt = (await networkView(token)).version;

        const retry = await op(token, 'DELETE');
        expect(retry.status, retry.text).toBe(200);
        expect((await getToken(env.api, token)).status).toBe('DEACTIVATED');
        // The retry was answered from the network's first answer: no second change there.
        expect((await networkView(token)).version).toBe(deletedAt);
        expect(await journalOf(token.tokenId)).toEqual([
          expect.objectContaining({ operation: 'DELETE', status: 'settled', outcome: 'applied', result_version: deletedAt }),
        ]);
        const audit = await auditRowsOf(env.server, token.tokenId);
        expect(audit.filter((row) => row.action === 'token.delete')).toHaveLength(1);
        expect((await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch').map((e) => e.payload.patch)).toEqual([{ status: 'DEACTIVATED' }]);

        // Later operations are judged on the network's state: never 400 ERR4021.
        const card = await cardOp(token, 'DELETE');
        expect(card.status, card.text).toBe(200);
        expectPismoError(await op(token, 'SUSPEND'), 400, 'ERR4001');
      },
    );

    it('a DELETE whose answer was lost, then the reconciler: settled by a look-up, repaired, audited and emitted as token_resync', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      await loseNextAnswer('mdes');
      expectPismoError(await op(token, 'DELETE'), 500, 'ERR5001');
      const [pending] = await journalOf(token.tokenId);
      const report = await reconcile();
      expect(report).toMatchObject({ failed: 0, pending: 0 });
      expect(report.settled).toBeGreaterThanOrEqual(1);
      expect(report.repaired).toBeGreaterThanOrEqual(1);

      const network = await networkView(token);
      expect((await getToken(env.api, token)).status).toBe('DEACTIVATED');
      expect(network.status).toBe('DEACTIVATED');
      expect(await journalOf(token.tokenId)).toEqual([
        expect.objectContaining({ id: pending!.id, status: 'settled', outcome: 'resolved', result_version: network.version }),
      ]);
      expect((await auditRowsOf(env.server, token.tokenId)).at(-1)).toMatchObject({
        actor: 'reconciler',
        action: 'token.resync',
        status_before: 'ACTIVE',
        status_after: 'DEACTIVATED',
        detail: { network_version: network.version, operations: [pending!.id] },
      });
      const resyncs = (await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'token_resync');
      expect(resyncs.map((e) => e.payload)).toEqual([
        {
          account_id: token.account.accountId,
          card_id: token.card.cardId,
          token_id: token.tokenId,
          status: 'DEACTIVATED',
          payment_network: 'mdes',
          network_version: network.version,
        },
      ]);

      // Card-level DELETE afterwards: the token is skipped, not refused by the network.
      const card = await cardOp(token, 'DELETE');
      expect(card.status, card.text).toBe(200);
      // A second run finds nothing more to do for it.
      await reconcile();
      expect((await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'token_resync')).toHaveLength(1);
    });

    it('a card-level DELETE after a DELETE whose answer was lost converges on the pending entry (200, both sides DEACTIVATED)', async () => {
      const token = await bootstrapIssuer(env.api, 'vts');
      await loseNextAnswer('vts');
      expectPismoError(await op(token, 'DELETE'), 500, 'ERR5001');
      const card = await cardOp(token, 'DELETE');
      expect(card.status, card.text).toBe(200);
      expect((await getToken(env.api, token)).status).toBe('DEACTIVATED');
      expect((await networkView(token)).status).toBe('DEACTIVATED');
      expect(await journalOf(token.tokenId)).toEqual([expect.objectContaining({ operation: 'DELETE', status: 'settled', outcome: 'applied' })]);
    });

    it('another operation after a lost answer first settles the pending entry from the network: RESUME after a lost SUSPEND succeeds', async () => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      await loseNextAnswer('mdes');
      expectPismoError(await op(token, 'SUSPEND'), 500, 'ERR5001');
      expect((await getToken(env.api, token)).status).toBe('ACTIVE');
      const resume = await op(token, 'RESUME');
      expect(resume.status, resume.text).toBe(200);
      expect((await getToken(env.api, token)).status).toBe('ACTIVE');
      expect((await networkView(token)).status).toBe('ACTIVE');
      const journal = await journalOf(token.tokenId);
      expect(journal.map((e) => [e.operation, e.outcome])).toEqual([
        ['SUSPEND', 'resolved'],
        ['RESUME', 'applied'],
      ]);
      expect((await auditRowsOf(env.server, token.tokenId)).map((row) => row.action)).toEqual([
        'token.provisioned',
        'token.suspend.failed',
        'token.resync',
        'token.resume',
      ]);
    });

    it('device binding goes through the journal: a lost REMOVE answer converges on retry', async () => {
      const token = await bootstrapIssuer(env.api, 'vts', { device_id: 'phone' });
      expect((await env.api.fault({ network: 'vts', operation: 'device_binding', mode: 'lost_answer' })).status).toBe(204);
      const body = { operator_id: 'op', operation_type: 'TOKEN_DEVICE_BINDING_REMOVE', operation_reason: 'LOST_DEVICE', device_index: 0 };
      expectPismoError(await env.api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', body), 500, 'ERR5001');
      expect((await networkView(token)).devices).toEqual([]);
      const retry = await env.api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', body);
      expect(retry.status, retry.text).toBe(200);
      expect((await getToken(env.api, token)).devices).toEqual([]);
      expect(await journalOf(token.tokenId)).toEqual([expect.objectContaining({ operation: 'TOKEN_DEVICE_BINDING_REMOVE', outcome: 'applied' })]);
    });
  });
});
