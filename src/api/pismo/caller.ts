/**
 * Who calls the Pismo edge: the account principal its auth hook verified, as the issuer domain's caller.
 */
import type { FastifyRequest } from 'fastify';
import type { AccountPrincipal } from '../../auth/account-token.js';
import type { IssuerCaller } from '../../issuer/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    accountPrincipal?: AccountPrincipal;
  }
}

export function callerOf(request: FastifyRequest, operatorId?: string): IssuerCaller {
  const principal = request.accountPrincipal;
  if (!principal) throw new Error('route reached without authentication');
  return { accountId: principal.accountId, subject: principal.subject, ...(operatorId ? { operatorId } : {}) };
}

/** Pismo ids in paths: 1 to 18 digits. */
export const ID = { type: 'string', pattern: '^[0-9]{1,18}$' } as const;
