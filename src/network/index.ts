/**
 * Public API of the network layer: the production gateway and the sandbox controls, the network providers, the
 * simulator with its stores, and its two deployments (in-process, HTTP).
 */
export * from './types.js';
export type { IssuerCallbacks, NetworkGateway, TokenRequestorCallbacks, TokenRequestorGateway } from './gateway.js';
export type { SandboxControls, SandboxNetwork } from './sandbox.js';
export { NETWORK_CAPABILITIES, type NetworkCapability, type NetworkProvider, type TokenRequestor } from './provider.js';
export { PROVIDERS, networkOfBrand, networkSupports, networksSupporting, providerOf } from './providers.js';
export type { PanReferences, SimulatorRecord, SimulatorRecordMeta } from './record.js';
export { TOKEN_REQUESTORS, TOKEN_REQUESTOR_ID_LENGTH, newTokenRequestorId, randomIds, tokenRequestor, type IdSource } from './ids.js';
export { createSimulator, type Simulator, type SimulatorOptions, type SimulatorLogger } from './simulator/simulator.js';
export { createMemorySimulatorStore, type MemorySimulatorStore, type MemorySimulatorStoreOptions, type SimulatorStore } from './simulator/store.js';
export { openDatabaseSimulatorStore, type SimulatorDatabaseHandle } from './simulator/database-store.js';
export type { SimulatorDatabase } from './simulator/schema.js';
export { migrateSimulatorToLatest } from './simulator/migrations.js';
export { derivePanReferenceKey } from './simulator/pan-references.js';
export { createInProcessGateway, type InProcessGatewayOptions } from './simulator/in-process-gateway.js';
export { BAD_REQUEST_FAULT_MESSAGE, SERVER_ERROR_FAULT_MESSAGE } from './simulator/faults.js';
export { createHttpGateway, type HttpGatewayOptions } from './http/gateway-client.js';
export { createHttpIssuerCallbacks, type HttpIssuerCallbacksOptions } from './http/issuer-callbacks.js';
export { startSimulatorServer, type SimulatorServer, type SimulatorServerOptions } from './http/server.js';
export { MIN_SECRET_LENGTH } from './http/auth.js';
export { meterGateway } from './metered-gateway.js';
