/** Shared fixtures for the network tests: test PANs, a recording fake issuer, and tokens in a chosen state. */
import { NetworkFailure } from '../../src/errors.js';
import type { Simulator } from '../../src/network/simulator/simulator.js';
import type {
  Decision,
  DecisionRequest,
  IssuerCallbacks,
  NetworkToken,
  NetworkTokenStatus,
  PaymentNetwork,
  ProvisionRequest,
} from '../../src/network/types.js';
import type { SandboxNetwork } from '../../src/network/sandbox.js';

export const VISA_PAN = '4111111111111111';
export const MASTERCARD_PAN = '5555555555554444';
export const SECRET = 'test-secret-0123456789abcdef';

export const PAN_OF: Record<PaymentNetwork, string> = { vts: VISA_PAN, mdes: MASTERCARD_PAN };
export const NETWORKS: readonly PaymentNetwork[] = ['vts', 'mdes'];

export interface FakeIssuer {
  callbacks: IssuerCallbacks;
  decisions: DecisionRequest[];
  notifications: NetworkToken[];
  /** Mutable knobs. */
  settings: { decision: Decision; failDecide: boolean; failNotify: boolean };
}

/** A fake issuer that honours forcedDecision (as Tessera's issuer side does) and records every call. */
export function fakeIssuer(): FakeIssuer {
  const decisions: DecisionRequest[] = [];
  const notifications: NetworkToken[] = [];
  const settings = { decision: 'GREEN' as Decision, failDecide: false, failNotify: false };
  return {
    decisions,
    notifications,
    settings,
    callbacks: {
      async decide(req) {
        decisions.push(req);
        if (settings.failDecide) throw new Error('issuer down');
        return req.forcedDecision ?? settings.decision;
      },
      async notify(token) {
        notifications.push(token);
        if (settings.failNotify) throw new Error('issuer down');
      },
    },
  };
}

export function provisionRequest(network: PaymentNetwork, extra: Partial<ProvisionRequest> = {}): ProvisionRequest {
  return { network, wallet: 'APPLE_PAY', pan: PAN_OF[network], expiryMonth: 12, expiryYear: 2030, ...extra };
}

type Ops = Pick<Simulator | SandboxNetwork, 'provision' | 'lifecycle'>;

/** Provisions a token and drives it into `status` through the issuer's own lifecycle calls. */
export async function tokenIn(ops: Ops, network: PaymentNetwork, status: NetworkTokenStatus): Promise<NetworkToken> {
  const outcome = await ops.provision(provisionRequest(network, { forcedDecision: status === 'INACTIVE' ? 'YELLOW' : 'GREEN' }));
  if (!outcome.approved) throw new Error('fixture provisioning declined');
  const { tokenRef } = outcome.token;
  if (status === 'SUSPENDED') return ops.lifecycle({ network, tokenRef, action: 'SUSPEND', entity: 'ISSUER', reason: 'FRAUD' });
  if (status === 'DEACTIVATED') return ops.lifecycle({ network, tokenRef, action: 'DELETE', entity: 'ISSUER', reason: 'CLOSED' });
  return outcome.token;
}

/** The NetworkFailure a promise rejects with (fails the test if it resolves or rejects with something else). */
export async function failureOf(promise: Promise<unknown>): Promise<NetworkFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof NetworkFailure) return err;
    throw err;
  }
  throw new Error('expected a NetworkFailure, but the call succeeded');
}

/** Luhn check written independently of src/cards so the tests do not trust the code under test. */
export function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
