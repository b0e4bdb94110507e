/**
 * What the service measures about itself, as plain calls: the domains and the store are handed a `Metrics` and
 * never see prom-client (src/http/metrics.ts implements it). Folders that may import nothing outside themselves
 * (vault/) declare the one method they need; TypeScript's structural typing makes this object fit.
 */

export type DatabaseEngine = 'sqlite' | 'postgres';
export type TransactionOutcome = 'commit' | 'rollback';
/** How a call to a card network ended: answered, refused by the network, failed (transport/5xx), or timed out. */
export type NetworkCallOutcome = 'ok' | 'declined' | 'error' | 'timeout';

export interface Metrics {
  /** Decryptions waiting for the decryption worker, set whenever the queue grows or shrinks. */
  decryptQueueDepth(depth: number): void;
  /** One decryption, from being queued to its answer. */
  decryptDuration(seconds: number, outcome: 'ok' | 'error'): void;
  /** One database transaction, from begin to commit or rollback. */
  transaction(engine: DatabaseEngine, seconds: number, outcome: TransactionOutcome): void;
  /** One group commit: how many transactions it carried and how long the commit took. */
  commitBatch(engine: DatabaseEngine, size: number, seconds: number): void;
  /** One call to a card network (`vts`, `mdes`) for one operation (`provision`, `suspend`, …). */
  networkCall(network: string, operation: string, outcome: NetworkCallOutcome, seconds: number): void;
  /** Age of the oldest undelivered outbox event (0 when none) and how many are waiting. */
  outbox(lagSeconds: number, pending: number): void;
}

/** For code built without metrics (the CLI's admin commands, unit tests). */
export const noMetrics: Metrics = {
  decryptQueueDepth() {},
  decryptDuration() {},
  transaction() {},
  commitBatch() {},
  networkCall() {},
  outbox() {},
};
