/**
 * The audit trail and the event outbox of the issuer side. Every operation leaves an `audit_log` row naming who
 * acted (the account token's subject and the operator_id), why (operation_reason), the status before and after,
 * and when (the server's clock); every status change emits a `patch` event. Refused operations and failed
 * network calls leave no change, no audit row and no event.
 */
import { describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer } from '../support/fixture.js';
import { NETWORKS, SHORT_TIMEOUT_ENV, auditRowsOf, bootstrapIssuer, eventsOf, getToken, mutableClock, type TestToken } from '../support/issuer.js';

describe.each(ENGINES)('issuer audit trail and events on %s', (engine) => {
  // The server's clock runs ten days behind real time: rows stamped with real time instead would show.
  const clock = mutableClock(new Date(Date.now() - 10 * 86_400_000));

  const env = useIssuerServer(engine, { clock: clock.clock, env: SHORT_TIMEOUT_ENV });

  const subjectOf = (token: TestToken) => decodeJwt(token.account.jwt).sub!;

  it('provisioning is audited (network actor, status after) and announced by a notification event, at server time', async () => {
    const token = await bootstrapIssuer(env.api, 'mdes', { decision: 'YELLOW' });
    const [row, ...rest] = await auditRowsOf(env.server, token.tokenId);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      actor: 'network:mdes',
      action: 'token.provisioned',
      status_before: null,
      status_after: 'INACTIVE',
      at: clock.now.toISOString(),
    });
    const events = await eventsOf(env.server, token.tokenId);
    expect(events.map((e) => e.type)).toEqual(['notification']);
    expect(events[0]!.payload).toEqual({
      account_id: token.account.accountId,
      card_id: token.card.cardId,
      token_id: token.tokenId,
      status: 'INACTIVE',
      payment_network: 'mdes',
    });
    expect(events[0]!.created_at).toBe(clock.now.toISOString());
  });

  it.each(NETWORKS)(
    '%s: each lifecycle operation leaves one row: actor (subject + operator), reason, before/after, time; patch events follow status',
    async (network) => {
      const token = await bootstrapIssuer(env.api, network, { decision: 'YELLOW' });
      const steps = [
        {
          operation_type: network === 'vts' ? 'CALL_CENTER_ACTIVATION' : 'CARDHOLDER_STEPUP_APP_TO_APP',
          activation_code: '77',
          from: 'INACTIVE',
          to: 'ACTIVE',
        },
        { operation_type: 'SUSPEND', from: 'ACTIVE', to: 'SUSPENDED' },
        { operation_type: 'SUSPEND', from: 'SUSPENDED', to: 'SUSPENDED' },
        { operation_type: 'RESUME', from: 'SUSPENDED', to: 'ACTIVE' },
        { operation_type: 'DELETE', from: 'ACTIVE', to: 'DEACTIVATED' },
      ];
      for (const [i, step] of steps.entries()) {
        clock.advanceMs(60_000);
        const { from: _from, to: _to, ...body } = step;
        const res = await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, {
          ...body,
          operation_reason: `step ${i}`,
          operator_id: `agent-${i}`,
        });
        expect(res.status, res.text).toBe(200);
        const row = (await auditRowsOf(env.server, token.tokenId)).at(-1)!;
        expect(row).toMatchObject({
          action: `token.${step.operation_type.toLowerCase()}`,
          status_before: step.from,
          status_after: step.to,
          reason: `step ${i}`,
          at: clock.now.toISOString(),
        });
        expect(row.actor).toBe(`account:${token.account.accountId}/sub:${subjectOf(token)}/operator:agent-${i}`);
        expect(row.detail).toMatchObject({ operation: step.operation_type });
      }
      const rows = await auditRowsOf(env.server, token.tokenId);
      expect(rows).toHaveLength(1 + steps.length);
      const patches = (await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch');
      // SUSPEND on a SUSPENDED token changes no status: no patch event for it.
      expect(patches.map((e) => e.payload)).toEqual(
        ['ACTIVE', 'SUSPENDED', 'ACTIVE', 'DEACTIVATED'].map((status) => ({
          account_id: token.account.accountId,
          card_id: token.card.cardId,
          token_id: token.tokenId,
          patch: { status },
        })),
      );
    },
  );

  it("without operator_id, the actor still names the account token's subject", async () => {
    const token = await bootstrapIssuer(env.api, 'vts');
    expect(
      (await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'no operator' })).status,
    ).toBe(200);
    const row = (await auditRowsOf(env.server, token.tokenId)).at(-1)!;
    expect(row.actor).toBe(`account:${token.account.accountId}/sub:${subjectOf(token)}`);
    expect(row.reason).toBe('no operator');
  });

  it('device approvals and bindings are audited with their operation; no patch event as the status stays', async () => {
    const token = await bootstrapIssuer(env.api, 'vts', { decision: 'YELLOW', device_id: 'phone' });
    expect((await env.api.walletEvent({ token_id: token.tokenId, event: 'DEVICE_BINDING_REQUEST', device_id: 'tablet' })).status).toBe(200);
    clock.advanceMs(1000);
    expect(
      (
        await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, {
          operation_type: 'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP',
          operation_reason: 'bank app ok',
          operator_id: 'app',
        })
      ).status,
    ).toBe(200);
    const bind = await env.api.bind(token.account.jwt, token.card.cardId, token.tokenId, 'phone', {
      operator_id: 'agent-x',
      operation_type: 'TOKEN_DEVICE_BINDING_REMOVE',
      operation_reason: 'STOLEN_DEVICE',
      device_index: 0,
    });
    expect(bind.status, bind.text).toBe(200);
    const rows = await auditRowsOf(env.server, token.tokenId);
    const approve = rows.find((r) => r.action === 'token.token_device_binding_approve_bank_app')!;
    expect(approve).toMatchObject({ status_before: 'INACTIVE', status_after: 'INACTIVE', reason: 'bank app ok', at: clock.now.toISOString() });
    expect(approve.actor).toContain('operator:app');
    const remove = rows.find((r) => r.action === 'token.token_device_binding_remove')!;
    expect(remove).toMatchObject({ status_before: 'INACTIVE', status_after: 'INACTIVE', reason: 'STOLEN_DEVICE' });
    expect(remove.actor).toContain('operator:agent-x');
    expect(remove.detail).toMatchObject({ operation: 'TOKEN_DEVICE_BINDING_REMOVE' });
    // Which device: the approval named the most recently requested one, the removal the one in the path.
    expect(approve.detail?.devices).toEqual([{ device_id: 'tablet', device_index: expect.any(Number), from: 'INACTIVE', to: 'ACTIVE' }]);
    expect(remove.detail?.devices).toEqual([{ device_id: 'phone', device_index: 0, from: expect.any(String), to: null }]);
    expect((await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch')).toEqual([]);
  });

  it('card-level operations leave one row per token changed, naming the operator', async () => {
    const first = await bootstrapIssuer(env.api, 'mdes');
    const second = await env.api.provision({ card_id: first.card.cardId, wallet: 'GOOGLE_PAY' });
    expect(second.status).toBe(201);
    const res = await env.api.operateCard(first.account.jwt, first.card.cardId, {
      operation_type: 'SUSPEND',
      operation_reason: 'card stolen',
      operator_id: 'fraud-desk',
    });
    expect(res.status, res.text).toBe(200);
    for (const tokenId of [first.tokenId, second.body.token_id as string]) {
      const row = (await auditRowsOf(env.server, tokenId)).at(-1)!;
      expect(row).toMatchObject({ action: 'token.suspend', status_before: 'ACTIVE', status_after: 'SUSPENDED', reason: 'card stolen' });
      expect(row.actor).toBe(`account:${first.account.accountId}/sub:${subjectOf(first)}/operator:fraud-desk`);
      expect((await eventsOf(env.server, tokenId)).filter((e) => e.type === 'patch').map((e) => e.payload.patch)).toEqual([{ status: 'SUSPENDED' }]);
    }
  });

  it('changes made at the network (wallet events) are audited with the network as actor', async () => {
    const token = await bootstrapIssuer(env.api, 'vts');
    expect((await env.api.walletEvent({ token_id: token.tokenId, event: 'SUSPEND', entity: 'CARDHOLDER' })).status).toBe(200);
    const row = (await auditRowsOf(env.server, token.tokenId)).at(-1)!;
    expect(row).toMatchObject({
      actor: 'network:vts',
      action: 'token.network_update',
      status_before: 'ACTIVE',
      status_after: 'SUSPENDED',
      at: clock.now.toISOString(),
    });
    expect((await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch').map((e) => e.payload.patch)).toEqual([{ status: 'SUSPENDED' }]);
  });

  it.each(['timeout', 'error_500', 'error_400'] as const)(
    'a failed network call (%s) changes nothing and sends no event, but the attempt is audited',
    async (mode) => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      const before = {
        token: await getToken(env.api, token),
        audit: await auditRowsOf(env.server, token.tokenId),
        events: await eventsOf(env.server, token.tokenId),
      };
      expect((await env.api.fault({ network: 'mdes', operation: 'lifecycle', mode })).status).toBe(204);
      const res = await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, {
        operation_type: 'DELETE',
        operation_reason: 'doomed',
        operator_id: 'x',
      });
      expect(res.status).toBe(mode === 'error_400' ? 400 : 500);
      expect({ token: await getToken(env.api, token), events: await eventsOf(env.server, token.tokenId) }).toEqual({
        token: before.token,
        events: before.events,
      });
      const audit = await auditRowsOf(env.server, token.tokenId);
      expect(audit.slice(0, -1)).toEqual(before.audit);
      expect(audit.at(-1)).toMatchObject({
        action: 'token.delete.failed',
        status_before: 'ACTIVE',
        status_after: 'ACTIVE',
        reason: 'doomed',
        detail: { operation: 'DELETE', network_failure: mode === 'error_400' ? 'bad_request' : mode === 'timeout' ? 'timeout' : 'error' },
      });
      expect(audit.at(-1)!.actor).toContain('operator:x');
    },
  );

  it('a refused operation (illegal transition, missing code) leaves no audit row and no event', async () => {
    const token = await bootstrapIssuer(env.api, 'vts', { decision: 'YELLOW' });
    const before = { audit: await auditRowsOf(env.server, token.tokenId), events: await eventsOf(env.server, token.tokenId) };
    for (const body of [
      { operation_type: 'SUSPEND', operation_reason: 'illegal' },
      { operation_type: 'RESUME', operation_reason: 'illegal' },
      { operation_type: 'CALL_CENTER_ACTIVATION', operation_reason: 'no code' },
      { operation_type: 'CARDHOLDER_STEPUP_APP_TO_APP', operation_reason: 'wrong network' },
    ]) {
      expect((await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, body)).status).toBe(400);
    }
    expect({ audit: await auditRowsOf(env.server, token.tokenId), events: await eventsOf(env.server, token.tokenId) }).toEqual(before);
  });

  it('account and card creation are audited at server time, without card data', async () => {
    clock.advanceMs(5000);
    const token = await bootstrapIssuer(env.api, 'mdes');
    const db = env.server.app.core.store.db;
    const account = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('object_type', '=', 'account')
      .where('object_id', '=', String(token.account.accountId))
      .execute();
    const card = await db.selectFrom('audit_log').selectAll().where('object_type', '=', 'card').where('object_id', '=', String(token.card.cardId)).execute();
    expect(account.map((r) => [r.actor, r.action, r.at])).toEqual([['admin', 'account.created', clock.now.toISOString()]]);
    expect(card.map((r) => [r.actor, r.action, r.at])).toEqual([['admin', 'card.created', clock.now.toISOString()]]);
    expect(JSON.parse(card[0]!.detail!)).toEqual({ account_id: token.account.accountId });
  });

  it('audit rows and events never carry card data', async () => {
    const token = await bootstrapIssuer(env.api, 'vts', { device_id: 'phone' });
    await env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'DELETE', operation_reason: 'closing', operator_id: 'z' });
    const db = env.server.app.core.store.db;
    const everything = JSON.stringify([await db.selectFrom('audit_log').selectAll().execute(), await db.selectFrom('events').selectAll().execute()]);
    expect(everything).not.toContain(token.card.pan);
    expect(everything).not.toContain(token.card.pan.slice(0, 12));
  });
});
