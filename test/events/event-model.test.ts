/**
 * The event model (ledger/ledger.ts emitEvent): every event names its owner (`merchant:<id>` or `account:<id>`), its
 * subject (the token) and its place in the subject's commit order; card data and secrets are refused. Both engines.
 */
import { describe, expect, it } from 'vitest';
import { emitEvent } from '../../src/ledger/ledger.js';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer, useIssuerToken, useMerchant, useTestServer } from '../support/fixture.js';
import { makePan, MerchantApi } from '../merchant/helpers.js';

describe.each(ENGINES)('event model on %s', (engine) => {
  const server = useTestServer(engine);
  const merchant = useMerchant(server);
  const events = async (subject: string) => server.app.core.store.db.selectFrom('events').selectAll().where('subject', '=', subject).orderBy('seq').execute();

  it('merchant events name the merchant as owner and the reuse token as subject, numbered 1, 2, 3 in commit order', async () => {
    const api = new MerchantApi(server, merchant);
    const token = await api.create({ cardNumber: makePan('45') });
    expect((await api.suspend(token.reuse_token)).status).toBe(204);
    expect((await api.remove(token.reuse_token)).status).toBe(204);
    const rows = await events(token.reuse_token);
    expect(rows.map((row) => [row.type, row.seq])).toEqual([
      ['merchant.token.created', 1],
      ['merchant.token.suspended', 2],
      ['merchant.token.deleted', 3],
    ]);
    for (const row of rows) expect(row.owner).toBe(`merchant:${merchant.merchantId}`);
  });

  it('concurrent events of one subject get distinct consecutive numbers', async () => {
    const { store, clock } = server.app.core;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        store.transact((tx) => emitEvent(tx, { type: 'test.concurrent', owner: 'merchant:x', subject: 'subject-concurrent', data: {} }, clock())),
      ),
    );
    expect((await events('subject-concurrent')).map((row) => row.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('an event carrying a PAN, a CVV, a cardholder name or a secret is refused and nothing is stored', async () => {
    const { store, clock } = server.app.core;
    for (const data of [{ pan: '4111111111111111' }, { card: { cvv: '123' } }, { cardholder_name: 'Jane' }, { signing_secret: 'x' }, { expiry_month: 12 }]) {
      await expect(store.transact((tx) => emitEvent(tx, { type: 'test.leak', owner: 'merchant:x', subject: 'subject-leak', data }, clock()))).rejects.toThrow(
        /must not carry/,
      );
    }
    expect(await events('subject-leak')).toEqual([]);
  });
});

describe.each(ENGINES)('issuer event model on %s', (engine) => {
  const issuer = useIssuerServer(engine);
  const token = useIssuerToken(issuer, 'vts');

  it('issuer events name the account as owner and the network token as subject', async () => {
    const res = await issuer.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: 'SUSPEND', operation_reason: 'test' });
    expect(res.status, res.text).toBe(200);
    const rows = await issuer.server.app.core.store.db.selectFrom('events').selectAll().where('subject', '=', token.tokenId).orderBy('seq').execute();
    expect(rows.map((row) => row.type)).toEqual(['notification', 'patch']);
    expect(rows.map((row) => row.seq)).toEqual([1, 2]);
    for (const row of rows) expect(row.owner).toBe(`account:${token.account.accountId}`);
    expect(JSON.parse(rows[1]!.payload)).toMatchObject({ token_id: token.tokenId, patch: { status: 'SUSPENDED' } });
  });
});
