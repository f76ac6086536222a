import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ArtifactError } from './errors.ts';
import { etagMatches } from './http-range.ts';

/** Small response helpers shared by the artifact endpoints. Errors are JSON `{error: {code, message}}`. */

/** Sends a JSON error body with a stable code. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${JSON.stringify({ error: { code, message } })}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Maps a thrown value to a response: store errors keep their code and status, anything else is a logged 500. */
export function sendFailure(res: ServerResponse, err: unknown, logger: Logger | undefined, context: Record<string, unknown>): void {
  if (err instanceof ArtifactError) {
    if (err.status >= 500) logger?.error({ ...context, err }, 'artifact request failed');
    sendError(res, err.status, err.code, err.message);
    return;
  }
  logger?.error({ ...context, err }, 'artifact request failed');
  sendError(res, 500, 'E_INTERNAL', 'internal error while serving the package store; see the server log');
}

/**
 * Refuses a request whose body may still be arriving (an upload refused before it was
 * read). Closing at once would make the kernel answer the client's next bytes with a
 * reset, which can destroy our response before the client reads it — the client would
 * see "connection reset" instead of "401" or "413". So the body is read and discarded
 * for up to `lingerMs` (a lingering close, as nginx does), then the socket is dropped.
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, lingerMs: number, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendError(res, status, code, message, headers);
  lingerOnBody(req, lingerMs);
}

/** Reads and discards what is left of `req`'s body for up to `lingerMs`, then drops the connection. */
export function lingerOnBody(req: IncomingMessage, lingerMs: number): void {
  if (req.complete || req.destroyed) return;
  const timer = setTimeout(() => req.socket.destroy(), lingerMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.unpipe();
  req.resume();
}

/**
 * Sends a small JSON document with a strong ETag over its bytes and honours
 * If-None-Match. `no-cache`: manifests gain platforms, so caches must revalidate.
 */
export function sendJson(req: IncomingMessage, res: ServerResponse, value: unknown): void {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
  const headers = { etag, 'cache-control': 'no-cache' };
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
