/**
 * IssuerCallbacks over HTTP: how a simulator running as its own server reaches the issuer side's
 * `/network/v1/decision` and `/network/v1/notification` routes (api/network-callbacks/).
 */
import { callJson, decodeAnswer, type HttpPeerOptions } from './client.js';
import type { IssuerCallbacks, TokenRequestorCallbacks } from '../gateway.js';
import { ROUTES, parseDecisionAnswer } from './wire.js';

export type HttpIssuerCallbacksOptions = HttpPeerOptions;

export function createHttpIssuerCallbacks(options: HttpIssuerCallbacksOptions): IssuerCallbacks {
  return {
    async decide(req) {
      const answer = await callJson(options, 'issuer', 'POST', ROUTES.decisionCallback, req);
      return decodeAnswer(parseDecisionAnswer, answer, 'issuer');
    },
    async notify(token) {
      await callJson(options, 'issuer', 'POST', ROUTES.notificationCallback, token);
    },
    async authorized(notice) {
      await callJson(options, 'issuer', 'POST', ROUTES.authorizationCallback, notice);
    },
  };
}

/** TokenRequestorCallbacks over HTTP: the token service provider's `/network/v1/token-requestor-notification`. */
export function createHttpTokenRequestorCallbacks(options: HttpPeerOptions): TokenRequestorCallbacks {
  return {
    async notify(token) {
      await callJson(options, 'issuer', 'POST', ROUTES.requestorNotificationCallback, token);
    },
  };
}
