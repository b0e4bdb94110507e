/**
 * All lifecycle legality of the issuer side, in one place (DOMAIN.md section 4): which network call an operation
 * on a token means, whether it is legal from the token's state, which tokens of a card a card-level operation
 * applies to, and whether a device-binding request is legal. Pure: no I/O. The network re-checks everything;
 * this gives callers precise errors before anything is sent.
 */
import { Conflict, InvalidInput } from '../errors.js';
import type { ApprovalMethod, DeviceAction, LifecycleAction, NetworkTokenStatus, PaymentNetwork, Suspender } from '../network/types.js';
import { networkSupports } from '../network/providers.js';
import type { CardOperation, DeviceBindingInput, StoredDevice, TokenOperation } from './types.js';

export type NetworkCall = { kind: 'lifecycle'; action: LifecycleAction } | { kind: 'approve_device'; method: ApprovalMethod };

export interface TokenState {
  network: PaymentNetwork;
  status: NetworkTokenStatus;
  suspenders: Suspender[];
  devices: StoredDevice[];
}

const LEGAL_FROM: Record<LifecycleAction, NetworkTokenStatus[]> = {
  SUSPEND: ['ACTIVE', 'SUSPENDED'],
  RESUME: ['SUSPENDED'],
  DELETE: ['INACTIVE', 'ACTIVE', 'SUSPENDED'],
  ACTIVATE: ['INACTIVE'],
};

function lifecycle(operation: string, action: LifecycleAction, token: TokenState): NetworkCall {
  if (!LEGAL_FROM[action].includes(token.status)) {
    throw new Conflict('illegal_transition', `operation ${operation} is not allowed for a token in status ${token.status}`);
  }
  if (action === 'RESUME' && !token.suspenders.includes('ISSUER')) {
    // Only the party that suspended a token may resume it.
    throw new Conflict('not_suspended_by_issuer', `the token was not suspended by the issuer (suspended by ${token.suspenders.join(', ') || 'nobody'})`);
  }
  return { kind: 'lifecycle', action };
}

function requireCode(operation: string, activationCode: string | undefined): void {
  if (!activationCode) {
    throw new InvalidInput({ field: 'activationCode', reason: 'required', message: 'is required' }, `activationCode is required for ${operation}`);
  }
}

function visaDeviceApproval(operation: string, method: ApprovalMethod, token: TokenState): NetworkCall {
  if (!networkSupports(token.network, 'deviceBinding')) throw new Conflict('unsupported_for_network', `${operation} is only available for Visa (vts) tokens`);
  if (token.status === 'DEACTIVATED') throw new Conflict('illegal_transition', `operation ${operation} is not allowed for a token in status DEACTIVATED`);
  if (!token.devices.some((d) => d.status === 'INACTIVE')) throw new Conflict('device_not_bound', 'the token has no device awaiting approval');
  return { kind: 'approve_device', method };
}

/** The network call an operation on one token means, or the reason it is not legal now. */
export function planOperation(operation: TokenOperation, token: TokenState, activationCode?: string): NetworkCall {
  switch (operation) {
    case 'SUSPEND':
    case 'RESUME':
    case 'DELETE':
      return lifecycle(operation, operation, token);
    case 'CALL_CENTER_ACTIVATION':
      requireCode(operation, activationCode);
      return lifecycle(operation, 'ACTIVATE', token);
    case 'CARDHOLDER_STEPUP_APP_TO_APP':
      // Visa's app-to-app activation goes through CALL_CENTER_ACTIVATION (contract note).
      if (!networkSupports(token.network, 'appToAppStepUp')) {
        throw new Conflict('unsupported_for_network', 'CARDHOLDER_STEPUP_APP_TO_APP is for Mastercard tokens; use CALL_CENTER_ACTIVATION for Visa');
      }
      return lifecycle(operation, 'ACTIVATE', token);
    case 'TOKEN_DEVICE_BIDING_APPROVE':
    case 'TOKEN_DEVICE_BINDING_APPROVE':
      return visaDeviceApproval(operation, 'DEFAULT', token);
    case 'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP':
      return visaDeviceApproval(operation, 'BANK_APP', token);
    case 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER':
      requireCode(operation, activationCode);
      return visaDeviceApproval(operation, 'CALL_CENTER', token);
  }
}

/** Card-level operations skip tokens for which the transition is illegal instead of failing. */
export function isLegalCardLevel(operation: CardOperation, token: TokenState): boolean {
  try {
    lifecycle(operation, operation, token);
    return true;
  } catch {
    return false;
  }
}

/** A Visa device index is 0–99: checked before anything is looked up. */
export function checkDeviceIndex(deviceIndex: number): void {
  if (!Number.isInteger(deviceIndex) || deviceIndex < 0 || deviceIndex > 99) {
    throw new InvalidInput({ field: 'deviceIndex', reason: 'invalid', message: 'must be an integer from 0 to 99' });
  }
}

/** The network action a device-binding request means on this token and device, or the reason it is not legal. */
export function planDeviceBinding(token: TokenState, deviceId: string, input: DeviceBindingInput): DeviceAction {
  if (!networkSupports(token.network, 'deviceBinding')) throw new Conflict('unsupported_for_network', 'device binding is only available for Visa (vts) tokens');
  if (token.status === 'DEACTIVATED') throw new Conflict('illegal_transition', 'the token is deactivated');
  if (input.operation === 'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER') requireCode(input.operation, input.activationCode);
  const device = token.devices.find((d) => d.device_id === deviceId);
  if (!device) throw new Conflict('device_not_bound', 'the device is not bound to this token', 'deviceId');
  if (device.device_index !== input.deviceIndex) throw new Conflict('device_not_bound', 'device_index does not match the device', 'deviceIndex');
  const action = input.operation === 'TOKEN_DEVICE_BINDING_REMOVE' ? 'REMOVE' : 'APPROVE';
  if (action === 'APPROVE' && device.status === 'ACTIVE') throw new Conflict('illegal_transition', 'the device binding is already approved');
  return action;
}
