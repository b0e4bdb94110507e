/** What a bench scenario is: its shared shape, apart from the scenarios themselves so they can live in several files. */
import type { BenchContext } from './context.js';

export interface BenchRequest {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RequestBuilder {
  /**
   * The next request to send; undefined when the scenario has run out of inputs (the run then stops).
   * `connection` is per-connection state (one request in flight per connection), for stateful scenarios.
   */
  next(connection?: Record<string, unknown>): BenchRequest | undefined;
  /** How many more requests the inputs allow, for scenarios with finite inputs (e.g. single-use card blobs). */
  remaining?(): number;
  /** Sees every response (status and body), with the state of the connection that sent the request. */
  onResponse?(status: number, body: string, connection?: Record<string, unknown>): void;
  /** Printed with the results, e.g. when the scenario had to make do with fewer inputs than it wanted. */
  note?: string;
}

export interface Scenario {
  name: string;
  /** Concurrent connections (fixed, printed with the results). */
  connections: number;
  /** Requests/s floor from the issue; the result is marked PASS or BELOW against it. */
  floorRps?: number;
  setup(ctx: BenchContext): Promise<RequestBuilder>;
}
