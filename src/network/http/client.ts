/**
 * The one JSON-over-HTTP call both directions use (gateway → simulator, simulator → issuer callbacks): bearer
 * secret, hard timeout through AbortSignal.timeout, and every failure mapped to NetworkFailure.
 */
import { NetworkFailure } from '../../errors.js';
import { WireError, failureFromAnswer } from './wire.js';

export interface HttpPeerOptions {
  baseUrl: string;
  secret: string;
  timeoutMs: number;
}

export type HttpPeer = 'network' | 'issuer';

function joinUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + path;
}

function transportFailure(err: unknown, peer: HttpPeer, timeoutMs: number): NetworkFailure {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new NetworkFailure('timeout', `${peer} did not answer within ${timeoutMs} ms`);
  }
  // Connection refused, reset, DNS…: the peer is unreachable, which callers treat like a 5xx.
  return new NetworkFailure('error', `${peer} unreachable`);
}

/** Sends `body` as JSON (POST) or nothing (GET); resolves with the parsed answer, undefined for an empty one. */
export async function callJson(options: HttpPeerOptions, peer: HttpPeer, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.secret}`, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let status: number;
  let text: string;
  try {
    // One signal covers connecting, the headers and the body, so a peer that stalls mid-answer also times out.
    const response = await fetch(joinUrl(options.baseUrl, path), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    throw transportFailure(err, peer, options.timeoutMs);
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (status < 200 || status >= 300) throw failureFromAnswer(status, parsed);
  return parsed;
}

/** Applies a wire parser to a peer's answer; a malformed answer is the peer failing, not the caller's fault. */
export function decodeAnswer<T>(parse: (value: unknown) => T, value: unknown, peer: HttpPeer): T {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof WireError) throw new NetworkFailure('error', `invalid answer from ${peer}: ${err.field}`);
    throw err;
  }
}
