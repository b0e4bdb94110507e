/** Public API of the network layer: the gateway contract, the simulator and its two deployments. */
export * from './types.js';
export { createSimulator, type Simulator, type SimulatorOptions, type SimulatorLogger } from './simulator.js';
export {
  createMemorySimulatorStore,
  type MemorySimulatorStore,
  type SimulatorRecord,
  type SimulatorRecordMeta,
  type SimulatorStore,
} from './store.js';
export { createDatabaseSimulatorStore } from './database-store.js';
export { derivePanReferenceKey } from './pan-references.js';
export { createInProcessGateway, type InProcessGatewayOptions } from './in-process-gateway.js';
export { createHttpGateway, type HttpGatewayOptions } from './http-gateway.js';
export { createHttpIssuerCallbacks, type HttpIssuerCallbacksOptions } from './http-issuer-callbacks.js';
export { startSimulatorServer, type SimulatorServer, type SimulatorServerOptions } from './http-server.js';
export { registerNetworkCallbackRoutes, type NetworkCallbackRoutesOptions } from './callback-routes.js';
export { TOKEN_REQUESTORS, randomIds, tokenRequestor, type IdSource, type TokenRequestor } from './ids.js';
export { BAD_REQUEST_FAULT_MESSAGE, SERVER_ERROR_FAULT_MESSAGE } from './faults.js';
export { MIN_SECRET_LENGTH } from './bearer.js';
