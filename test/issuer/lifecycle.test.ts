/**
 * The issuer's lifecycle rules, without a server: the network capabilities asked in one place, and the
 * device-binding checks in the order the API reports them.
 */
import { describe, expect, it } from 'vitest';
import { Conflict, InvalidInput } from '../../src/errors.js';
import { checkDeviceIndex, isLegalCardLevel, planDeviceBinding, planOperation, type TokenState } from '../../src/issuer/lifecycle.js';

const token = (overrides: Partial<TokenState> = {}): TokenState => ({
  network: 'vts',
  status: 'ACTIVE',
  suspenders: [],
  devices: [{ device_id: 'd1', device_index: 3, status: 'INACTIVE' }],
  ...overrides,
});

const reasonOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof Conflict) return error.reason;
    if (error instanceof InvalidInput) return error.issues.map((issue) => `${issue.field}:${issue.reason}`).join(',');
    throw error;
  }
  return 'ok';
};

describe('issuer lifecycle', () => {
  it('plans lifecycle operations with neutral reasons', () => {
    expect(planOperation('SUSPEND', token())).toEqual({ kind: 'lifecycle', action: 'SUSPEND' });
    expect(reasonOf(() => planOperation('RESUME', token()))).toBe('illegal_transition');
    expect(reasonOf(() => planOperation('RESUME', token({ status: 'SUSPENDED', suspenders: ['CARDHOLDER'] })))).toBe('not_suspended_by_issuer');
    expect(reasonOf(() => planOperation('CALL_CENTER_ACTIVATION', token({ status: 'INACTIVE' })))).toBe('activationCode:required');
    expect(reasonOf(() => planOperation('CARDHOLDER_STEPUP_APP_TO_APP', token({ status: 'INACTIVE' })))).toBe('unsupported_for_network');
    expect(reasonOf(() => planOperation('TOKEN_DEVICE_BINDING_APPROVE', token({ network: 'mdes' })))).toBe('unsupported_for_network');
    expect(isLegalCardLevel('RESUME', token())).toBe(false);
    expect(isLegalCardLevel('DELETE', token())).toBe(true);
  });

  it('checks a device-binding request in the order the API reports it', () => {
    const input = { operation: 'TOKEN_DEVICE_BINDING_APPROVE' as const, reason: 'FRAUD', deviceIndex: 3 };
    expect(planDeviceBinding(token(), 'd1', input)).toBe('APPROVE');
    expect(planDeviceBinding(token(), 'd1', { ...input, operation: 'TOKEN_DEVICE_BINDING_REMOVE' })).toBe('REMOVE');
    expect(reasonOf(() => planDeviceBinding(token({ network: 'mdes', status: 'DEACTIVATED' }), 'd1', input))).toBe('unsupported_for_network');
    expect(reasonOf(() => planDeviceBinding(token({ status: 'DEACTIVATED' }), 'd1', input))).toBe('illegal_transition');
    expect(reasonOf(() => planDeviceBinding(token(), 'nope', { ...input, operation: 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER' }))).toBe(
      'activationCode:required',
    );
    expect(reasonOf(() => planDeviceBinding(token(), 'nope', input))).toBe('device_not_bound');
    expect(reasonOf(() => planDeviceBinding(token(), 'd1', { ...input, deviceIndex: 4 }))).toBe('device_not_bound');
    expect(reasonOf(() => planDeviceBinding(token({ devices: [{ device_id: 'd1', device_index: 3, status: 'ACTIVE' }] }), 'd1', input))).toBe(
      'illegal_transition',
    );
    expect(reasonOf(() => checkDeviceIndex(100))).toBe('deviceIndex:invalid');
    expect(reasonOf(() => checkDeviceIndex(99))).toBe('ok');
  });
});
