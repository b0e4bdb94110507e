/**
 * Concurrent operations on one token. 60 SUSPEND / RESUME / DELETE requests are sent at once; the successful ones,
 * in the order the audit trail records them (by `at`, ties broken by the network's version number), must replay
 * by the rules of DOMAIN.md section 4 from ACTIVE, each step legal and matching the recorded before/after status,
 * and end in the state Tessera stores and the network holds. Nothing succeeds after the DELETE.
 * Runs with the network in-process and over HTTP (where the network's own record can be read).
 */
import { describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { useIssuerServer } from '../support/fixture.js';
import { DEPLOYMENTS, auditRowsOf, bootstrapIssuer, eventsOf, getToken, storedToken, type AuditRow, type TestToken } from '../support/issuer.js';
import type { HttpResult } from '../support/http.js';

type Op = 'SUSPEND' | 'RESUME' | 'DELETE';

/** A deterministic shuffle (mulberry32), so a failing order can be reproduced from the seed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** 60 operations: 50 SUSPEND/RESUME first, then 10 more among which 3 DELETEs, so that the token lives a while. */
function plan(seed: number): Op[] {
  const head = shuffled<Op>([...Array<Op>(25).fill('SUSPEND'), ...Array<Op>(25).fill('RESUME')], seed);
  const tail = shuffled<Op>(['DELETE', 'DELETE', 'DELETE', 'SUSPEND', 'SUSPEND', 'SUSPEND', 'SUSPEND', 'RESUME', 'RESUME', 'RESUME'], seed + 1);
  return [...head, ...tail];
}

interface ReplayState {
  status: 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';
  issuerSuspended: boolean;
}

/** DOMAIN.md section 4 for a token only the issuer acts on. Returns undefined when the operation is illegal. */
function apply(state: ReplayState, op: Op): ReplayState | undefined {
  switch (op) {
    case 'SUSPEND':
      return state.status === 'ACTIVE' || state.status === 'SUSPENDED' ? { status: 'SUSPENDED', issuerSuspended: true } : undefined;
    case 'RESUME':
      return state.status === 'SUSPENDED' && state.issuerSuspended ? { status: 'ACTIVE', issuerSuspended: false } : undefined;
    case 'DELETE':
      return state.status === 'DEACTIVATED' ? undefined : { status: 'DEACTIVATED', issuerSuspended: false };
  }
}

const versionOf = (row: AuditRow) => Number(row.detail?.network_version);

/** The audit trail's order: time, then the network's version for changes within the same millisecond. */
function auditOrder(rows: AuditRow[]): AuditRow[] {
  return [...rows].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : versionOf(x) - versionOf(y)));
}

describe.each(ENGINES)('concurrent operations on one token on %s', (engine) => {
  describe.each(DEPLOYMENTS)('network %s', (deployment) => {
    const env = useIssuerServer(engine, { deployment });

    /** The network's status and suspenders for the token: its live record over HTTP, its last answer in-process. */
    async function networkState(token: TestToken, body: any): Promise<{ status: string; suspenders: string[] }> {
      if (env.network) {
        const record = await env.network.simulator.getToken(token.card.network, token.tokenRef);
        return { status: record!.status, suspenders: record!.suspenders };
      }
      const data = body.network_data;
      const status = { A: 'ACTIVE', I: 'INACTIVE', S: 'SUSPENDED', D: 'DEACTIVATED' }[data.CurrentStatusCode as string]!;
      return { status, suspenders: Object.keys(data.Suspenders) };
    }

    it.each([11, 29, 47])('60 concurrent SUSPEND / RESUME / DELETE (seed %i) replay to the stored and network state', async (seed) => {
      const token = await bootstrapIssuer(env.api, 'mdes');
      const ops = plan(seed);
      const results: HttpResult[] = await Promise.all(
        ops.map((operation_type, i) =>
          env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type, operation_reason: `concurrent ${i}`, operator_id: `op-${i}` }),
        ),
      );

      // Every answer is a success or a legal refusal: the transition was illegal when its turn came. No 5xx.
      for (const [i, res] of results.entries()) {
        if (res.status === 200) continue;
        expect(res.status, `${ops[i]}: ${res.text}`).toBe(400);
        expect(['ERR4001', 'ERR4004'], `${ops[i]}: ${res.text}`).toContain((res.body as { error_code: string }).error_code);
      }
      const succeeded = ops.filter((_, i) => results[i]!.status === 200);
      expect(succeeded.filter((op) => op === 'DELETE')).toHaveLength(1);

      // The audit rows of the operations (not the provisioning), one per success, with the reasons of the successes.
      const rows = auditOrder((await auditRowsOf(env.server, token.tokenId)).filter((r) => r.action !== 'token.provisioned'));
      expect(rows).toHaveLength(succeeded.length);
      const successReasons = results.flatMap((res, i) => (res.status === 200 ? [`concurrent ${i}`] : []));
      expect(rows.map((r) => r.reason).sort()).toEqual(successReasons.sort());
      for (const row of rows) {
        const i = Number(row.reason!.split(' ')[1]);
        expect(row.action).toBe(`token.${ops[i]!.toLowerCase()}`);
        expect(row.actor).toContain(`operator:op-${i}`);
      }
      // The version order agrees with the time order, and each success is its own network change.
      const versions = rows.map(versionOf);
      expect(versions.every((v, k) => Number.isInteger(v) && (k === 0 || v > versions[k - 1]!))).toBe(true);

      // Replay from ACTIVE by the domain rules.
      let state: ReplayState = { status: 'ACTIVE', issuerSuspended: false };
      for (const row of rows) {
        const op = row.action.replace('token.', '').toUpperCase() as Op;
        const next = apply(state, op);
        expect(next, `${op} from ${state.status} at ${row.at}`).toBeDefined();
        expect([row.status_before, row.status_after]).toEqual([state.status, next!.status]);
        state = next!;
      }
      // Nothing succeeded after the DELETE: it is the last change.
      expect(rows.at(-1)!.action).toBe('token.delete');
      expect(rows.slice(0, -1).every((r) => r.action !== 'token.delete')).toBe(true);
      expect(state.status).toBe('DEACTIVATED');

      const body = await getToken(env.api, token);
      const stored = await storedToken(env.server, token.tokenId);
      const network = await networkState(token, body);
      expect(body.status).toBe(state.status);
      expect(stored.status).toBe(state.status);
      expect(network.status).toBe(state.status);
      expect(JSON.parse(stored.suspenders)).toEqual(network.suspenders);

      // One patch event per status change, in order.
      const patches = (await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch');
      expect(patches.map((e) => e.payload.patch.status)).toEqual(rows.filter((r) => r.status_before !== r.status_after).map((r) => r.status_after));
    });

    it.each([7, 8, 9, 10, 11, 12])('concurrent issuer and token-requestor suspensions (seed %i) end with Tessera agreeing with the network', async (seed) => {
      const token = await bootstrapIssuer(env.api, 'vts');
      const kinds = shuffled(
        [
          ...Array(10).fill('issuer:SUSPEND'),
          ...Array(10).fill('issuer:RESUME'),
          ...Array(10).fill('wallet:SUSPEND'),
          ...Array(10).fill('wallet:RESUME'),
        ] as string[],
        seed,
      );
      const results = await Promise.all(
        kinds.map((kind) => {
          const [who, op] = kind.split(':') as ['issuer' | 'wallet', string];
          return who === 'issuer'
            ? env.api.operate(token.account.jwt, token.card.cardId, token.tokenId, { operation_type: op, operation_reason: 'race' })
            : env.api.walletEvent({ token_id: token.tokenId, event: op, entity: 'TOKEN_REQUESTOR' });
        }),
      );
      for (const [i, res] of results.entries()) {
        if (kinds[i]!.startsWith('issuer')) {
          // A refusal by the issuer's own check, or by the network when Tessera's view was a step behind.
          if (res.status !== 200) expect(['ERR4001', 'ERR4004', 'ERR4021'], res.text).toContain((res.body as { error_code: string }).error_code);
        } else if (res.status !== 200) {
          // The network refused the wallet (e.g. resuming what it had not suspended).
          expect(res.status, res.text).toBe(400);
        }
      }
      expect(results.filter((r) => r.status === 200).length).toBeGreaterThan(0);
      const body = await getToken(env.api, token);
      const stored = await storedToken(env.server, token.tokenId);
      if (env.network) {
        const record = (await env.network.simulator.getToken('vts', token.tokenRef))!;
        expect(stored.network_version).toBe(record.version);
        expect(body.status).toBe(record.status);
        expect(JSON.parse(stored.suspenders)).toEqual(record.suspenders);
      }
      const suspenders = JSON.parse(stored.suspenders) as string[];
      expect(body.status).toBe(suspenders.length > 0 ? 'SUSPENDED' : 'ACTIVE');
      expect(body.network_data.tokenInfo.tokenStatus).toBe(body.status);

      // Whoever follows the patch events ends with the token's real status, and the audit trail's status changes
      // (in order) chain: each starts where the previous one ended. Changes are applied in network-version order,
      // so within one millisecond the version orders them.
      const patches = (await eventsOf(env.server, token.tokenId)).filter((e) => e.type === 'patch');
      expect(patches.at(-1)?.payload.patch.status ?? 'ACTIVE').toBe(body.status);
      const rows = auditOrder(
        (await auditRowsOf(env.server, token.tokenId)).filter((r) => r.action !== 'token.provisioned' && r.status_before !== r.status_after),
      );
      expect(patches.map((e) => e.payload.patch.status)).toEqual(rows.map((r) => r.status_after));
      let status = 'ACTIVE';
      for (const row of rows) {
        expect(row.status_before, `${row.action} by ${row.actor} (version ${versionOf(row)})`).toBe(status);
        status = row.status_after!;
      }
      expect(status).toBe(body.status);
    });
  });
});
