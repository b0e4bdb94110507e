/**
 * The simulator's own tables: what a (simulated) card network keeps, apart from the product's schema. They may
 * live in Tessera's database (the in-process simulator) or a database of their own (`tessera network-sim
 * --database`); migrations.ts creates them, with its own bookkeeping.
 */

/** The network simulator's record of one token (JSON of record.ts SimulatorRecord). */
export interface NetworkSimTokensTable {
  token_ref: string;
  network: string;
  /** The token's network version: the guard of concurrent updates. */
  version: number;
  record: string;
}

/** The simulated network's PAN reference and PAR per card, keyed by its own HMAC of the PAN. */
export interface NetworkSimPanRefsTable {
  fingerprint: string;
  pan_ref: string;
  par: string;
}

/** The first answer to each idempotency key (JSON of store.ts IdempotentAnswer), kept with the tokens. */
export interface NetworkSimIdempotencyTable {
  idempotency_key: string;
  network: string;
  token_ref: string;
  answer: string;
  created_at: string;
}

/** Issued cryptograms (JSON of cryptograms.ts CryptogramRecord) and when each was used: once at most. */
export interface NetworkSimCryptogramsTable {
  id: string;
  network: string;
  token_ref: string;
  record: string;
  used_at: string | null;
  created_at: string;
}

export interface SimulatorDatabase {
  network_sim_tokens: NetworkSimTokensTable;
  network_sim_pan_refs: NetworkSimPanRefsTable;
  network_sim_idempotency: NetworkSimIdempotencyTable;
  network_sim_cryptograms: NetworkSimCryptogramsTable;
}
