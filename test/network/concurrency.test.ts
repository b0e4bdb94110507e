import { afterEach, describe, expect, it } from 'vitest';
import { NetworkFailure } from '../../src/errors.js';
import { createKeyedMutex } from '../../src/keyed-mutex.js';
import { createMemorySimulatorStore, type SimulatorStore } from '../../src/network/simulator/store.js';
import type { LifecycleAction, NetworkToken, NetworkTokenStatus, Suspender } from '../../src/network/types.js';
import { fakeIssuer, tokenIn } from './helpers.js';
import { createSimulator } from '../../src/network/simulator/simulator.js';
import { HARNESSES, type Harness } from './harness.js';

interface State {
  status: NetworkTokenStatus;
  suspenders: Suspender[];
}

/** The issuer-side lifecycle rules, restated independently of the simulator, to replay the answers. */
function replay(state: State, action: LifecycleAction): State | 'refused' {
  if (state.status === 'DEACTIVATED') return 'refused';
  switch (action) {
    case 'SUSPEND':
      if (state.status !== 'ACTIVE' && state.status !== 'SUSPENDED') return 'refused';
      return { status: 'SUSPENDED', suspenders: state.suspenders.includes('ISSUER') ? state.suspenders : [...state.suspenders, 'ISSUER'] };
    case 'RESUME': {
      if (state.status !== 'SUSPENDED' || !state.suspenders.includes('ISSUER')) return 'refused';
      const rest = state.suspenders.filter((s) => s !== 'ISSUER');
      return { status: rest.length ? 'SUSPENDED' : 'ACTIVE', suspenders: rest };
    }
    case 'DELETE':
      return { status: 'DEACTIVATED', suspenders: [] };
    case 'ACTIVATE':
      return state.status === 'INACTIVE' ? { status: 'ACTIVE', suspenders: [] } : 'refused';
  }
}

/**
 * A store with database-like latency, so unserialised read-modify-writes would overlap and lose updates even
 * though HTTP spreads the calls' arrival (the delay only widens race windows; no assertion depends on time).
 */
function slowStore(): SimulatorStore {
  const inner = createMemorySimulatorStore();
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
  return {
    async get(ref) {
      await tick();
      return inner.get(ref);
    },
    async insert(record) {
      await tick();
      await inner.insert(record);
    },
    async update(record, previousVersion, answer) {
      await tick();
      return inner.update(record, previousVersion, answer);
    },
    answerOf: (key) => inner.answerOf(key),
    rememberAnswer: (answer) => inner.rememberAnswer(answer),
    remove: (tokenRef) => inner.remove(tokenRef),
    panReferences: (fingerprint, mint) => inner.panReferences(fingerprint, mint),
    insertCryptogram: (record) => inner.insertCryptogram(record),
    findCryptogram: (id) => inner.findCryptogram(id),
    useCryptogram: (id, at) => inner.useCryptogram(id, at),
  };
}

describe.each(HARNESSES)('50 concurrent lifecycle calls on one token (%s)', (_kind, start) => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('successful answers replay to the final state; nothing succeeds after DELETE', async () => {
    h = await start({ store: slowStore() });
    const initial = await tokenIn(h.gateway, 'vts', 'ACTIVE');
    // Mostly alternating SUSPEND / RESUME, with two DELETEs late in the batch (only one can win).
    const actions: LifecycleAction[] = Array.from({ length: 50 }, (_, i) => (i === 35 || i === 44 ? 'DELETE' : i % 2 === 0 ? 'SUSPEND' : 'RESUME'));
    const settled = await Promise.allSettled(
      actions.map((action) => h.gateway.lifecycle({ network: 'vts', tokenRef: initial.tokenRef, action, entity: 'ISSUER', reason: 'CUSTOMER_REQUEST' })),
    );

    const successes: Array<{ action: LifecycleAction; token: NetworkToken }> = [];
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') successes.push({ action: actions[i]!, token: result.value });
      else {
        // Every failure is a refusal by the rules, never a transport or server error.
        expect(result.reason).toBeInstanceOf(NetworkFailure);
        expect((result.reason as NetworkFailure).mode).toBe('bad_request');
      }
    });
    expect(successes.length).toBeGreaterThan(2);
    expect(successes.length).toBeLessThan(50);

    successes.sort((a, b) => a.token.version - b.token.version);
    // One version step per success: the calls were applied one at a time, none lost or merged.
    expect(successes.map((s) => s.token.version)).toEqual(successes.map((_, i) => initial.version + 1 + i));

    let state: State = { status: initial.status, suspenders: initial.suspenders };
    for (const { action, token } of successes) {
      const next = replay(state, action);
      expect(next, `${action} from ${state.status} succeeded but is illegal`).not.toBe('refused');
      expect({ status: token.status, suspenders: token.suspenders }).toEqual(next);
      state = next as State;
    }

    const deletes = successes.filter((s) => s.action === 'DELETE');
    expect(deletes).toHaveLength(1);
    expect(successes.at(-1)!.action).toBe('DELETE');
    const final = await h.simulator.getToken('vts', initial.tokenRef);
    expect(final).toEqual(successes.at(-1)!.token);
    expect(final!.status).toBe('DEACTIVATED');
  });
});

describe('keyed mutex', () => {
  it('runs tasks of one key one at a time in call order, even when one fails', async () => {
    const mutex = createKeyedMutex();
    const log: string[] = [];
    let running = 0;
    const task =
      (name: string, fail = false) =>
      async () => {
        running += 1;
        expect(running).toBe(1);
        log.push(`start ${name}`);
        await new Promise((resolve) => setImmediate(resolve));
        log.push(`end ${name}`);
        running -= 1;
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([mutex.run('k', task('a')), mutex.run('k', task('b', true)), mutex.run('k', task('c'))]);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('different keys do not wait for each other', async () => {
    const mutex = createKeyedMutex();
    let release!: () => void;
    const blocked = mutex.run('a', () => new Promise<string>((resolve) => (release = () => resolve('a'))));
    expect(await mutex.run('b', async () => 'b')).toBe('b');
    release();
    expect(await blocked).toBe('a');
  });
});

describe('two simulator instances sharing one store (scaled-out service, one database)', () => {
  it('concurrent changes to one token through both are all kept: no lost update', async () => {
    const store = slowStore();
    const [one, two] = [createSimulator({ callbacks: fakeIssuer().callbacks, store }), createSimulator({ callbacks: fakeIssuer().callbacks, store })];
    try {
      const token = await tokenIn(one, 'vts', 'ACTIVE');
      // Both read version 1 before either writes (the store is slow): the version guard makes one of them re-apply.
      const [byIssuer, byCardholder] = await Promise.all([
        one.lifecycle({ network: 'vts', tokenRef: token.tokenRef, action: 'SUSPEND', entity: 'ISSUER', reason: 'lost phone' }),
        two.walletEvent({ network: 'vts', tokenRef: token.tokenRef, event: { kind: 'SUSPEND', entity: 'CARDHOLDER' } }),
      ]);
      expect(new Set([byIssuer.version, byCardholder.version])).toEqual(new Set([token.version + 1, token.version + 2]));
      const final = await one.getToken('vts', token.tokenRef);
      expect(final).toMatchObject({ status: 'SUSPENDED', version: token.version + 2 });
      expect([...final!.suspenders].sort()).toEqual(['CARDHOLDER', 'ISSUER']);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('stores a new token before telling the issuer, so the issuer never holds a token its network does not know', async () => {
    const store = createMemorySimulatorStore();
    const issuer = fakeIssuer();
    const knownWhenNotified: boolean[] = [];
    const sim = createSimulator({
      store,
      callbacks: {
        decide: (req) => issuer.callbacks.decide(req),
        async notify(token) {
          knownWhenNotified.push((await store.get(token.tokenRef)) !== undefined);
          await issuer.callbacks.notify(token);
        },
      },
    });
    await tokenIn(sim, 'mdes', 'ACTIVE');
    expect(knownWhenNotified).toEqual([true]);
    await sim.close();
  });
});
