/**
 * The admin API's credential: `Authorization: Bearer $TESSERA_ADMIN_TOKEN`, compared in constant time by the one
 * credentials module.
 */
import { Unauthorized } from '../errors.js';
import { bearerMatches } from './credentials.js';

export interface HasAuthorization {
  headers: { authorization?: string | undefined };
}

/** Whether a request carries the admin token. */
export function isAdmin(request: HasAuthorization, adminToken: string): boolean {
  return bearerMatches(request.headers.authorization, adminToken);
}

/** An onRequest guard for admin scopes: throws Unauthorized unless the request carries the admin token. */
export function requireAdmin(adminToken: string) {
  return async (request: HasAuthorization): Promise<void> => {
    if (!isAdmin(request, adminToken)) throw new Unauthorized(request.headers.authorization ? 'wrong admin token' : 'missing admin token');
  };
}
