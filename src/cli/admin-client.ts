/**
 * The CLI's way to a running server: its admin API at `TESSERA_URL`, authenticated with `TESSERA_ADMIN_TOKEN`.
 * Commands that act on a deployment go through here rather than opening a database themselves, so the CLI never
 * creates a vault by accident and sees exactly what every instance of the server sees. The same client also
 * drives an in-process admin API when the CLI is given a database explicitly (cli/target.ts): one implementation
 * of every command, two ways to reach the API.
 */

/** The admin API answered with an error (its envelope: `{error_code, message, details?}`). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error_code?: string; message?: string; details?: Record<string, string> } | undefined,
  ) {
    super(body?.message ? `${body.message} (HTTP ${status}${body.error_code ? `, ${body.error_code}` : ''})` : `HTTP ${status}`);
  }
}

/** The CLI cannot reach a server: not configured, or the address does not answer. */
export class AdminUnreachable extends Error {}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface AdminClient {
  readonly baseUrl: string;
  /** `path` starts with `/admin/v1/` (or `/sandbox/v1/`). Answers the parsed JSON body (undefined for 204). */
  request<T = unknown>(method: HttpMethod, path: string, body?: unknown): Promise<T>;
}

/** How a request reaches the API: over HTTP (fetch), or injected into an in-process server. */
export type AdminTransport = (request: { method: HttpMethod; path: string; headers: Record<string, string>; body?: string }) => Promise<{
  status: number;
  text: string;
}>;

/** A client over any transport: the admin token on every request, JSON in and out, error answers thrown. */
export function createAdminClient(baseUrl: string, token: string, transport: AdminTransport): AdminClient {
  return {
    baseUrl,
    async request<T>(method: HttpMethod, path: string, body?: unknown): Promise<T> {
      const answer = await transport({
        method,
        path,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const parsed: unknown = answer.text ? safeJson(answer.text) : undefined;
      if (answer.status < 200 || answer.status > 299) throw new AdminApiError(answer.status, parsed as AdminApiError['body']);
      return parsed as T;
    },
  };
}

/** Requests over HTTP with fetch: no redirects (the token must not follow one), a timeout. */
export function fetchTransport(baseUrl: string, timeoutMs = 30_000): AdminTransport {
  return async ({ method, path, headers, body }) => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new AdminUnreachable(`cannot reach ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { status: response.status, text: await response.text() };
  };
}

export function adminClientFromEnv(env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): AdminClient {
  const baseUrl = env.TESSERA_URL?.replace(/\/+$/, '');
  const token = env.TESSERA_ADMIN_TOKEN;
  if (!baseUrl) throw new AdminUnreachable('TESSERA_URL is not set: the base URL of a running Tessera server (e.g. http://127.0.0.1:8080)');
  if (!token) throw new AdminUnreachable('TESSERA_ADMIN_TOKEN is not set: the admin token of that server');
  return createAdminClient(baseUrl, token, fetchTransport(baseUrl, timeoutMs));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
