import type { PolicySummary } from './policy-summary.ts';

/** Why a call to the operators' API failed; stable codes for callers and tests. */
export type ApiClientErrorCode = 'E_API_UNREACHABLE' | 'E_API_UNAUTHORIZED' | 'E_API_NOT_FOUND' | 'E_API_RESPONSE';

export class ApiClientError extends Error {
  readonly code: ApiClientErrorCode;
  constructor(code: ApiClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiClientError';
    this.code = code;
  }
}

export interface ApiClientOptions {
  /** Base URL of `ringmaster serve`, e.g. `http://127.0.0.1:4320`. */
  server: string;
  token?: string;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Reads the policy summaries (`GET /api/v1/policies`, or one policy). Every failure is an
 * `ApiClientError` whose message says what to check (server address, token, policy name).
 */
export async function fetchPolicySummaries(options: ApiClientOptions, policy?: string): Promise<PolicySummary[]> {
  const path = policy === undefined ? '/api/v1/policies' : `/api/v1/policies/${encodeURIComponent(policy)}`;
  const body = await getJson(options, path);
  if (policy !== undefined) return [body as PolicySummary];
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) throw new ApiClientError('E_API_RESPONSE', `${options.server}${path} did not return {items: [...]}; is this a Ringmaster server?`);
  return items as PolicySummary[];
}

async function getJson(options: ApiClientOptions, path: string): Promise<unknown> {
  const url = new URL(path, options.server.endsWith('/') ? options.server : `${options.server}/`);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    const inner = (err as { cause?: { code?: string; message?: string } }).cause;
    const cause = inner?.code ?? inner?.message ?? (err instanceof Error ? err.message : String(err));
    throw new ApiClientError('E_API_UNREACHABLE', `cannot reach Ringmaster at ${options.server} (${cause}); check --server or RINGMASTER_SERVER`, { cause: err });
  }
  const text = await res.text();
  const message = errorMessage(text);
  if (res.status === 401) throw new ApiClientError('E_API_UNAUTHORIZED', `${options.server} needs a read token: pass --token or set RINGMASTER_TOKEN (${message ?? 'unauthorized'})`);
  if (res.status === 404) throw new ApiClientError('E_API_NOT_FOUND', message ?? `${url.pathname} not found on ${options.server}`);
  if (!res.ok) throw new ApiClientError('E_API_RESPONSE', `${url.pathname} answered ${res.status}: ${message ?? text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiClientError('E_API_RESPONSE', `${url.pathname} did not return JSON; is ${options.server} a Ringmaster server?`, { cause: err });
  }
}

function errorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : undefined;
  } catch {
    return undefined;
  }
}
