/**
 * Pismo-style error codes. The contract shows ERR9786 (401), ERR5446 (500), ERR4021 (network refused) and
 * ERR4091 (token not found); the others are ours, one per distinct cause so clients can branch on them.
 * Only the Pismo edge knows them: domains throw neutral reasons, which envelope.ts maps to these.
 */
export const ERR = {
  invalidRequest: 'ERR4000',
  illegalTransition: 'ERR4001',
  activationCodeRequired: 'ERR4002',
  unsupportedForNetwork: 'ERR4003',
  notSuspendedByIssuer: 'ERR4004',
  deviceNotBound: 'ERR4005',
  networkBadRequest: 'ERR4021',
  cardNotFound: 'ERR4090',
  tokenNotFound: 'ERR4091',
  methodNotAllowed: 'ERR4050',
  rateLimited: 'ERR4290',
  unauthorized: 'ERR9786',
  networkFailure: 'ERR5001',
  unavailable: 'ERR5030',
  internal: 'ERR5446',
} as const;
