/**
 * After a realistic run of PUT / PATCH (with CVV) / status changes / rejected requests, no secret may be found in
 * the captured logs, in any response, or anywhere in the database: every text value of every table, and for
 * SQLite also the raw bytes of the database file and its write-ahead log.
 *
 * Secrets: the PANs (valid and rejected ones), the CVVs, the encrypted_card strings, the merchant API secrets,
 * the admin token and the master key. The CVV must not be stored even inside the sealed card record.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { encryptCard } from '../../src/client/encrypt-card.js';
import { ENGINES } from '../support/engines.js';
import { useMerchant, useTestServer } from '../support/fixture.js';
import { request } from '../support/http.js';
import { addApiKey, breakLuhn, controlledClock, makePan, MerchantApi, openSealedCard, type Res } from './helpers.js';

/** CVVs long and distinct enough to be searched for as standalone values. */
const CVV_AMEX = '7391';
const CVV_AMEX_PATCH = '8264';
const CVV_AMEX_RELINK = '6053';
const CVV_VISA = '582';
const CVVS = [CVV_AMEX, CVV_AMEX_PATCH, CVV_AMEX_RELINK, CVV_VISA];
const CVVS_4 = CVVS.filter((c) => c.length === 4);

/** A PAN that contains none of the CVVs, so that its BIN or last four can never pass for a leaked CVV. */
function panWithout(prefix: string, length = 16): string {
  for (;;) {
    const pan = makePan(prefix, length);
    if (!CVVS.some((cvv) => pan.includes(cvv))) return pan;
  }
}

/**
 * `digits` as a value of its own: not inside a longer run of base64, hex, digits, a UUID or a timestamp, where
 * any 3–4 digits turn up by chance. A CVV stored in a column or serialized as JSON would stand alone like this.
 */
function standalone(haystack: string, digits: string): boolean {
  return new RegExp(`(?<![0-9A-Za-z+/_.\\-])${digits}(?![0-9A-Za-z+/=_.\\-])`).test(haystack);
}

describe.each(ENGINES)('secrets never leak on %s', (engine) => {
  const clock = controlledClock();
  const server = useTestServer(engine, { clock: clock.clock });
  const merchant = useMerchant(server);
  const other = useMerchant(server);
  const api = new MerchantApi(server, merchant, clock);
  let secondKey: { id: string; secret: string };

  const pans: string[] = [];
  const blobs: string[] = [];
  const errors: Res[] = [];
  const successes: Res[] = [];
  const tokens: string[] = [];

  const record = (res: Res) => {
    (res.status >= 400 ? errors : successes).push(res);
    return res;
  };
  const blob = async (card: Parameters<MerchantApi['card']>[0]) => {
    const b = await api.blob(card);
    blobs.push(b);
    return b;
  };
  const put = async (card: Parameters<MerchantApi['card']>[0], extra: Record<string, unknown> = {}, as: MerchantApi = api) =>
    record(await as.putBody({ token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: await blob(card), ...extra }));

  beforeAll(async () => {
    secondKey = await addApiKey(server, merchant.merchantId);

    const amex = panWithout('37', 15);
    const visa = panWithout('411111');
    const relinked = panWithout('34', 15);
    const analytics = panWithout('53');
    const chase = panWithout('45');
    const luhnBad = breakLuhn(panWithout('45'));
    const expired = panWithout('45');
    const wrongKey = panWithout('45');
    const badCvv = panWithout('45');
    pans.push(amex, visa, relinked, analytics, chase, luhnBad, expired, wrongKey, badCvv);

    // Successful operations, with CVVs everywhere they may be sent.
    const a = await put({ cardNumber: amex, cvv: CVV_AMEX, cardholderName: 'Leak Test' });
    expect(a.status, a.text).toBe(200);
    tokens.push(a.body.reuse_token);
    expect((await put({ cardNumber: amex, cvv: CVV_AMEX }, {}, api.as(secondKey))).status).toBe(200);
    const v = await put({ cardNumber: visa, cvv: CVV_VISA }, { token_type: 'REUSE_AND_ANALYTICS' });
    expect(v.status, v.text).toBe(200);
    tokens.push(v.body.reuse_token);
    expect((await put({ cardNumber: analytics, cvv: CVV_VISA }, { token_type: 'ANALYTICS' })).status).toBe(200);
    const c = await put(
      { cardNumber: chase, cvv: CVV_VISA },
      { reuse_token_type: 'CHASE', token_context: { entity_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6' } },
    );
    expect(c.status, c.text).toBe(200);
    tokens.push(c.body.reuse_token);

    expect(
      record(await api.patch(a.body.reuse_token, { cvv: CVV_AMEX_PATCH, card_holder_name: 'Patched Name', card_holder_email: 'leak@example.com' })).status,
    ).toBe(200);
    expect(record(await api.patch(v.body.reuse_token, { cvv: CVV_VISA })).status).toBe(200);
    const relink = record(
      await api.patch(a.body.reuse_token, {
        encrypted_card: await blob({ cardNumber: relinked, cvv: CVV_AMEX_RELINK }),
        public_key_alias: merchant.alias,
        cvv: CVV_AMEX_RELINK,
      }),
    );
    expect(relink.status, relink.text).toBe(200);
    expect(record(await api.suspend(v.body.reuse_token)).status).toBe(204);
    expect(record(await api.remove(c.body.reuse_token)).status).toBe(204);

    // Rejected requests that carry secrets.
    expect((await put({ cardNumber: luhnBad, cvv: CVV_VISA })).status).toBe(400);
    expect((await put({ cardNumber: expired, cvv: CVV_VISA, expiryYear: 2001 })).status).toBe(400);
    expect((await put({ cardNumber: badCvv, cvv: CVV_AMEX })).status).toBe(400);
    expect((await put({ cardNumber: amex, cvv: CVV_AMEX }, { card_brand: 'VISA' })).status).toBe(400);
    const toOther = await encryptCard(api.card({ cardNumber: wrongKey, cvv: CVV_VISA }), other.publicKey);
    blobs.push(toOther);
    expect(record(await api.putBody({ token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: toOther })).status).toBe(400);
    expect(record(await api.putBody({ token_scope: merchant.scope, public_key_alias: 'pk_unknown', encrypted_card: toOther })).status).toBe(400);
    const stale = await blob({ cardNumber: visa, cvv: CVV_VISA, captureTime: new Date(clock.now.getTime() - 20 * 60_000).toISOString() });
    expect(record(await api.putBody({ token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: stale })).status).toBe(400);
    // A client that forgot to encrypt: the PAN arrives in clear in encrypted_card, or in a PATCH field.
    expect(record(await api.putBody({ token_scope: merchant.scope, public_key_alias: merchant.alias, encrypted_card: visa })).status).toBe(400);
    expect(record(await api.patch(v.body.reuse_token, { cvv: visa })).status).toBe(400);
    expect(record(await api.patch(v.body.reuse_token, { card_holder_name: visa + visa })).status).toBe(400);
    expect(record(await api.patch(v.body.reuse_token, { cvv: '12345' })).status).toBe(400);
    // A body that is not JSON, with a PAN inside.
    expect(
      record(await request(server.baseUrl, 'PUT', '/oidc/api/v2/card', { basic: merchant.basic, rawBody: `{"encrypted_card": "${visa}", "cvv": ${CVV_AMEX}` }))
        .status,
    ).toBe(400);
    // Wrong credentials that contain a real secret.
    expect(
      record(await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${tokens[0]}`, { basic: { id: 'ak_unknown', secret: merchant.basic.secret } })).status,
    ).toBe(401);
    expect(
      record(await request(server.baseUrl, 'GET', `/oidc/api/v2/card/${tokens[0]}`, { basic: { id: merchant.basic.id, secret: secondKey.secret } })).status,
    ).toBe(401);
    // An admin call, so that the admin token went over the wire.
    expect(
      (await request(server.baseUrl, 'POST', `/admin/v1/merchants/${merchant.merchantId}/token-scopes`, { bearer: server.adminToken, body: { name: 'more' } }))
        .status,
    ).toBe(201);
  });

  /** Every secret, with a label for the failure message. */
  function secrets(): Array<[string, string]> {
    const list: Array<[string, string]> = [];
    for (const [i, pan] of pans.entries()) list.push([`PAN #${i}`, pan]);
    blobs.forEach((b, i) => {
      list.push([`encrypted_card #${i}`, b]);
      // A fragment too, in case a blob was cut or wrapped on its way to a log line.
      list.push([`encrypted_card #${i} (fragment)`, b.slice(Math.floor(b.length / 2), Math.floor(b.length / 2) + 48)]);
    });
    list.push(['API secret', merchant.basic.secret]);
    list.push(['second API secret', secondKey.secret]);
    list.push(['admin token', server.adminToken]);
    list.push(['master key (base64)', server.config.masterKey.toString('base64')]);
    list.push(['master key (hex)', server.config.masterKey.toString('hex')]);
    list.push(['armored OpenPGP message', '-----BEGIN PGP MESSAGE-----']);
    list.push(['armored OpenPGP private key', 'PRIVATE KEY BLOCK']);
    return list;
  }

  function expectClean(where: string, text: string, cvvs: string[] = CVVS): void {
    for (const [label, secret] of secrets()) expect(text.includes(secret), `${label} found in ${where}`).toBe(false);
    for (const cvv of cvvs) expect(standalone(text, cvv), `CVV ${cvv} found in ${where}`).toBe(false);
    expect(/"cvv"\s*:/i.test(text), `a "cvv" field found in ${where}`).toBe(false);
  }

  it('the scenario did run: successes, errors and log lines were produced', () => {
    expect(successes.length).toBeGreaterThanOrEqual(6);
    expect(errors.length).toBeGreaterThanOrEqual(9);
    expect(pans.length).toBe(9);
    expect(server.logs.join('')).toContain('/oidc/api/v2/card');
  });

  it('the standalone CVV search does find a CVV where one is stored (control)', () => {
    expect(standalone(`{"x":"${CVV_AMEX}"}`, CVV_AMEX)).toBe(true);
    expect(standalone(`|${CVV_VISA}|`, CVV_VISA)).toBe(true);
    expect(standalone(`abc${CVV_AMEX}def`, CVV_AMEX)).toBe(false);
  });

  it('no secret in the captured logs', () => {
    expectClean('the logs', server.logs.join('\n'));
  });

  it('no error response contains a PAN, a blob or a CVV', () => {
    for (const res of errors) expectClean(`an error response (${res.status})`, res.text);
  });

  it('no successful response contains a PAN, a blob or a CVV', () => {
    for (const res of successes) expectClean(`a response (${res.status})`, res.text);
  });

  it('no secret in any value of any table (SQL scan)', async () => {
    const db = server.app.core.store.db;
    const tables =
      engine === 'sqlite'
        ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`.execute(db)).rows.map(
            (r) => r.name,
          );
    expect(tables).toEqual(expect.arrayContaining(['card_tokens', 'audit_log', 'events', 'api_keys', 'capture_keys', 'data_keys']));
    let cells = 0;
    const texts: string[] = [];
    for (const table of tables) {
      const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(db)).rows;
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null || value === undefined) continue;
          const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
          cells++;
          for (const cvv of CVVS) expect(text, `${table}.${column} is a CVV`).not.toBe(cvv);
          texts.push(`${table}.${column}=${text}`);
          expectClean(`${table}.${column}`, text);
        }
      }
    }
    // The scan read real data: the tokens are there in clear (they are not secrets).
    const all = texts.join('\n');
    expect(cells).toBeGreaterThan(100);
    for (const token of tokens) expect(all).toContain(token);
  });

  it('the sealed card records hold no CVV (not even encrypted)', async () => {
    let opened = 0;
    for (const token of tokens) {
      const card = await openSealedCard(server, token);
      if (card === null) continue;
      opened++;
      expect(card).not.toHaveProperty('cvv');
      const text = JSON.stringify(card);
      expect(/cvv/i.test(text)).toBe(false);
      for (const cvv of CVVS) expect(standalone(text, cvv)).toBe(false);
    }
    expect(opened).toBeGreaterThanOrEqual(2);
  });

  // Defined for the SQLite run only (PostgreSQL's files are the server's): not a skip, just not applicable.
  if (engine === 'sqlite')
    it('no secret in the raw bytes of the SQLite database file and its WAL', async () => {
      if (server.config.database.engine !== 'sqlite') throw new Error('unreachable');
      const path = server.config.database.path;
      const files = [path, `${path}-wal`].filter((p) => existsSync(p));
      expect(files).toContain(path);
      let raw = '';
      for (const file of files) raw += readFileSync(file).toString('latin1') + '\n';
      // Raw pages hold more noise than SQL values: only the 4-digit CVVs are searched for as standalone values.
      expectClean('the SQLite files', raw, CVVS_4);
      // The scan read real data.
      for (const token of tokens) expect(raw).toContain(token);
    });
});
