/**
 * The CLI's way to a running server: its admin API at `TESSERA_URL`, authenticated with `TESSERA_ADMIN_TOKEN`.
 * Commands that act on a deployment go through here rather than opening a database themselves, so the CLI never
 * creates a vault by accident and sees exactly what every instance of the server sees.
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

export interface AdminClient {
  readonly baseUrl: string;
  /** `path` starts with `/admin/v1/`. Answers the parsed JSON body (undefined for 204). */
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function adminClientFromEnv(env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): AdminClient {
  const baseUrl = env.TESSERA_URL?.replace(/\/+$/, '');
  const token = env.TESSERA_ADMIN_TOKEN;
  if (!baseUrl) throw new AdminUnreachable('TESSERA_URL is not set: the base URL of a running Tessera server (e.g. http://127.0.0.1:8080)');
  if (!token) throw new AdminUnreachable('TESSERA_ADMIN_TOKEN is not set: the admin token of that server');
  return {
    baseUrl,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new AdminUnreachable(`cannot reach ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const text = await response.text();
      const parsed: unknown = text ? safeJson(text) : undefined;
      if (!response.ok) throw new AdminApiError(response.status, parsed as AdminApiError['body']);
      return parsed as T;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
