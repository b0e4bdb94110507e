/**
 * Shared-secret bearer authentication between the simulator and the issuer side, both directions.
 * Both values are hashed first so timingSafeEqual compares equal-length digests: neither the secret's content
 * nor its length leaks through response timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NetworkFailure } from '../errors.js';
import { errorBody } from './wire.js';

/** Short secrets are guessable; refuse them at start rather than run an open door. */
export const MIN_SECRET_LENGTH = 16;

export function assertUsableSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`network secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function bearerMatches(header: string | undefined, secret: string): boolean {
  const match = typeof header === 'string' ? /^Bearer +(.+)$/i.exec(header) : null;
  const presented = match?.[1] ?? '';
  // Always compare, even when the header is missing, so both paths cost the same.
  const same = timingSafeEqual(digest(presented), digest(secret));
  return match !== null && same;
}

/** A Fastify onRequest hook answering 401 (in the shared error envelope) unless the bearer secret matches. */
export function bearerHook(secret: string) {
  // Returning the reply (not awaiting it) is how an async Fastify hook ends the request early.
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (bearerMatches(request.headers.authorization, secret)) return undefined;
    return reply.code(401).send(errorBody(new NetworkFailure('bad_request', 'unauthorized')));
  };
}
