import type { ServerResponse } from 'node:http';

/** Stable error codes of the JSON API (clients may switch on them). */
export type ApiErrorCode =
  | 'E_NOT_FOUND'
  | 'E_METHOD_NOT_ALLOWED'
  | 'E_BAD_QUERY'
  | 'E_BAD_CURSOR'
  | 'E_UNAUTHORIZED'
  | 'E_TOO_MANY_STREAMS'
  | 'E_INTERNAL';

/** An expected failure of an API request: an HTTP status plus a stable code and a message that says how to fix it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** Writes `body` as JSON with no-store caching (the view changes all the time). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** Writes the error as `{ error: { code, message } }`. */
export function sendApiError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}
