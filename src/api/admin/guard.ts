/**
 * What every request to `/admin/v1` and `/sandbox/v1` passes first (their unknown routes too, edges.ts): the limit
 * per client address, the admin token, then the limit of the admin credential.
 */
import type { FastifyRequest } from 'fastify';
import { requireAdmin } from '../../auth/admin-token.js';
import type { RequestLimits } from '../../auth/rate-limits.js';
import { auditingFailures, type FailedAuthAudit } from '../../ledger/failed-authentications.js';

export function adminGuard(adminToken: string, limits?: RequestLimits, failedAuth?: FailedAuthAudit) {
  const isAdmin = requireAdmin(adminToken);
  return async (request: FastifyRequest): Promise<void> => {
    limits?.address(request.ip);
    // The admin token has no id: only the address is kept, never what was sent.
    await auditingFailures(
      failedAuth,
      () => ({ edge: 'admin', attempted: null, address: request.ip }),
      () => isAdmin(request),
    );
    request.actingFor = 'admin';
    limits?.credential('admin');
  };
}
