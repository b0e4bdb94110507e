/**
 * Failure on demand (DOMAIN.md section 5): queued faults consumed by the next matching calls, before those calls
 * touch any state, so every failure path of the issuer side can be exercised and shown to leave state unchanged.
 */
import { NetworkFailure } from '../../errors.js';
import type { FaultMode, FaultSpec, NetworkOperation, PaymentNetwork } from '../types.js';

export const BAD_REQUEST_FAULT_MESSAGE = 'network respond bad request error';
export const SERVER_ERROR_FAULT_MESSAGE = 'network internal server error';
export const HELD_TIMEOUT_MESSAGE = 'network did not answer in time';

interface QueuedFault {
  network: PaymentNetwork;
  operation: NetworkOperation | undefined;
  mode: FaultMode;
  remaining: number;
}

export interface FaultQueue {
  add(fault: FaultSpec): void;
  /** The fault the next call of `operation` on `network` must suffer, if any (consumes one). */
  take(network: PaymentNetwork, operation: NetworkOperation): FaultMode | undefined;
}

/** Queued faults a sandbox may hold at once: enough for any test plan, and a bound on a runaway client. */
export const MAX_QUEUED_FAULTS = 1_000;

export function createFaultQueue(): FaultQueue {
  const queue: QueuedFault[] = [];
  return {
    add(fault) {
      const count = fault.count ?? 1;
      if (!Number.isInteger(count) || count < 1) throw new NetworkFailure('bad_request', 'fault count must be a positive integer');
      if (queue.length >= MAX_QUEUED_FAULTS) throw new NetworkFailure('bad_request', `at most ${MAX_QUEUED_FAULTS} faults may be queued`);
      queue.push({ network: fault.network, operation: fault.operation, mode: fault.mode, remaining: count });
    },
    take(network, operation) {
      // First in, first served: an operation-specific fault queued before a catch-all one wins, and vice versa.
      const i = queue.findIndex((f) => f.network === network && (f.operation === undefined || f.operation === operation));
      const found = queue[i];
      if (!found) return undefined;
      found.remaining -= 1;
      if (found.remaining === 0) queue.splice(i, 1);
      return found.mode;
    },
  };
}

/** The error a non-timeout fault turns into. */
export function faultError(mode: Exclude<FaultMode, 'timeout' | 'lost_answer'>): NetworkFailure {
  return mode === 'error_400' ? new NetworkFailure('bad_request', BAD_REQUEST_FAULT_MESSAGE) : new NetworkFailure('error', SERVER_ERROR_FAULT_MESSAGE);
}

/**
 * Calls held by a 'timeout' fault (not applied) or a 'lost_answer' fault (applied, its answer held). Each answers
 * with a timeout failure only after `holdMs`, which must exceed any client's timeout, or when the simulator closes,
 * so no timer outlives the simulator.
 */
export interface HeldCalls {
  hold(): Promise<never>;
  releaseAll(): void;
}

export function createHeldCalls(holdMs: number): HeldCalls {
  const pending = new Set<() => void>();
  return {
    hold() {
      return new Promise<never>((_, reject) => {
        const release = (): void => {
          clearTimeout(timer);
          pending.delete(release);
          reject(new NetworkFailure('timeout', HELD_TIMEOUT_MESSAGE));
        };
        const timer = setTimeout(release, holdMs);
        timer.unref();
        pending.add(release);
      });
    },
    releaseAll() {
      for (const release of [...pending]) release();
    },
  };
}
