/**
 * Which network call an issuer operation on a token means, and whether it is legal from the token's state
 * (DOMAIN.md section 4). Pure: no I/O. The network re-checks everything; this gives callers precise errors
 * before anything is sent.
 */
import { Conflict, InvalidInput } from '../errors.js';
import type { ApprovalMethod, LifecycleAction, NetworkTokenStatus, PaymentNetwork, Suspender } from '../network/types.js';
import { ERR } from './error-codes.js';

export const TOKEN_OPERATIONS = [
  'DELETE',
  'SUSPEND',
  'RESUME',
  'CALL_CENTER_ACTIVATION',
  'CARDHOLDER_STEPUP_APP_TO_APP',
  'TOKEN_DEVICE_BIDING_APPROVE', // sic: the contract's spelling
  'TOKEN_DEVICE_BINDING_APPROVE', // the corrected spelling, accepted too
  'TOKEN_DEVICE_BINDING_APPROVE_BANK_APP',
  'TOKEN_DEVICE_BINDING_APPROVE_CALL_CENTER',
] as const;
export type TokenOperation = (typeof TOKEN_OPERATIONS)[number];

export type NetworkCall = { kind: 'lifecycle'; action: LifecycleAction } | { kind: 'approve_device'; method: ApprovalMethod };

export interface TokenState {
  network: PaymentNetwork;
  status: NetworkTokenStatus;
  suspenders: Suspender[];
  devices: { status: string }[];
}

const LEGAL_FROM: Record<LifecycleAction, NetworkTokenStatus[]> = {
  SUSPEND: ['ACTIVE', 'SUSPENDED'],
  RESUME: ['SUSPENDED'],
  DELETE: ['INACTIVE', 'ACTIVE', 'SUSPENDED'],
  ACTIVATE: ['INACTIVE'],
};

function lifecycle(operation: string, action: LifecycleAction, token: TokenState): NetworkCall {
  if (!LEGAL_FROM[action].includes(token.status)) {
    throw new Conflict(`operation ${operation} is not allowed for a token in status ${token.status}`, ERR.illegalTransition);
  }
  if (action === 'RESUME' && !token.suspenders.includes('ISSUER')) {
    // Only the party that suspended a token may resume it.
    throw new Conflict(`the token was not suspended by the issuer (suspended by ${token.suspenders.join(', ') || 'nobody'})`, ERR.notSuspendedByIssuer);
  }
  return { kind: 'lifecycle', action };
}

function requireCode(operation: string, activationCode: string | undefined): void {
  if (!activationCode) throw new InvalidInput({ 'body.activation_code': 'is required' }, `activation_code is required for ${operation}`, ERR.activationCodeRequired);
}

function visaDeviceApproval(operation: string, method: ApprovalMethod, token: TokenState): NetworkCall {
  if (token.network !== 'vts') throw new Conflict(`${operation} is only available for Visa (vts) tokens`, ERR.unsupportedForNetwork);
  if (token.status === 'DEACTIVATED') throw new Conflict(`operation ${operation} is not allowed for a token in status DEACTIVATED`, ERR.illegalTransition);
  if (!token.devices.some((d) => d.status === 'INACTIVE')) throw new Conflict('the token has no device awaiting approval', ERR.deviceNotBound);
  return { kind: 'approve_device', method };
}

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
      if (token.network !== 'mdes') throw new Conflict('CARDHOLDER_STEPUP_APP_TO_APP is for Mastercard tokens; use CALL_CENTER_ACTIVATION for Visa', ERR.unsupportedForNetwork);
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
export function isLegalCardLevel(action: 'SUSPEND' | 'RESUME' | 'DELETE', token: TokenState): boolean {
  try {
    lifecycle(action, action, token);
    return true;
  } catch {
    return false;
  }
}
