/**
 * The issuer side's endpoints the network calls: a provisioning decision and token notifications. Mounted on
 * Tessera's main server. Auth and error handling are per route, so they neither inherit nor disturb the main
 * server's vendor hooks and error envelopes. Bodies and errors are the network wire format (network/http/wire.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { IssuerCallbacks, TokenRequestorCallbacks } from '../../network/gateway.js';
import { assertUsableSecret, bearerHook } from '../../network/http/auth.js';
import { sendFailure } from '../../network/http/errors.js';
import { ROUTES, parseAuthorizationNotice, parseDecisionRequest, parseNetworkToken } from '../../network/http/wire.js';

export interface NetworkCallbackRoutesOptions {
  callbacks: IssuerCallbacks;
  /** The merchant side's, as token service provider (issue 10). */
  requestorCallbacks?: TokenRequestorCallbacks;
  secret: string;
}

export function registerNetworkCallbackRoutes(app: FastifyInstance, { callbacks, requestorCallbacks, secret }: NetworkCallbackRoutesOptions): void {
  assertUsableSecret(secret);
  const routeOptions = { onRequest: bearerHook(secret), errorHandler: sendFailure };

  app.post(ROUTES.decisionCallback, routeOptions, async (request) => {
    const decision = await callbacks.decide(parseDecisionRequest(request.body));
    return { decision };
  });

  app.post(ROUTES.notificationCallback, routeOptions, async (request, reply) => {
    await callbacks.notify(parseNetworkToken(request.body));
    return reply.code(204).send();
  });

  const { authorized } = callbacks;
  if (authorized) {
    app.post(ROUTES.authorizationCallback, routeOptions, async (request, reply) => {
      await authorized.call(callbacks, parseAuthorizationNotice(request.body));
      return reply.code(204).send();
    });
  }

  if (requestorCallbacks) {
    app.post(ROUTES.requestorNotificationCallback, routeOptions, async (request, reply) => {
      await requestorCallbacks.notify(parseNetworkToken(request.body));
      return reply.code(204).send();
    });
  }
}
