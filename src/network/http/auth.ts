/**
 * Shared-secret bearer authentication between the simulator and the issuer side, both directions. The header is
 * parsed and compared by auth/credentials.ts (the one constant-time compare); this file adds the rule on the
 * secret itself and the Fastify hook that answers 401 in the wire format's error envelope.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches } from '../../auth/credentials.js';
import { NetworkFailure } from '../../errors.js';
import { errorBody } from './wire.js';

/** Short secrets are guessable; refuse them at start rather than run an open door. */
export const MIN_SECRET_LENGTH = 16;

export function assertUsableSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`network secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

/** A Fastify onRequest hook answering 401 (in the shared error envelope) unless the bearer secret matches. */
export function bearerHook(secret: string) {
  // Returning the reply (not awaiting it) is how an async Fastify hook ends the request early.
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (bearerMatches(request.headers.authorization, secret)) return undefined;
    return reply.code(401).send(errorBody(new NetworkFailure('bad_request', 'unauthorized')));
  };
}
