import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { decideRange, etagMatches, ifRangeAllows } from './http-range.ts';
import { sendError } from './http-respond.ts';
import type { FileCoordinates } from './names.ts';
import type { ArtifactStore } from './store.ts';

/**
 * GET/HEAD of one stored file: Content-Length, strong ETag (`"<sha256>"`), 304 on a
 * matching If-None-Match, single-range 206 / 416, and a cap on bodies in flight.
 */

/** Counts downloads in flight so the server can refuse beyond its cap instead of slowing everyone. */
export interface DownloadSlots {
  tryAcquire(): boolean;
  release(): void;
}

/** A counter of at most `max` concurrent holders. */
export function createDownloadSlots(max: number): DownloadSlots {
  let active = 0;
  return {
    tryAcquire: () => (active < max ? (active++, true) : false),
    release: () => void (active = Math.max(0, active - 1)),
  };
}

/** Settings of {@link serveDownload}. */
export interface DownloadContext {
  store: ArtifactStore;
  slots: DownloadSlots;
  retryAfterSeconds: number;
  /** `private` caching when downloads need a token, `public` otherwise. */
  cacheScope: 'public' | 'private';
  logger?: Logger;
}

/** Answers GET or HEAD for `file`; resolves when the response is finished or aborted. */
export async function serveDownload(req: IncomingMessage, res: ServerResponse, file: FileCoordinates, ctx: DownloadContext): Promise<void> {
  const entry = await ctx.store.stat(file);
  if (!entry) {
    sendError(res, 404, 'E_ARTIFACT_NOT_FOUND', `no package file at ${req.url ?? ''}`);
    return;
  }
  const etag = `"${entry.sha256}"`;
  const headers: Record<string, string | number> = {
    etag,
    'accept-ranges': 'bytes',
    // A version+platform never changes, so caches may keep it for good.
    'cache-control': `${ctx.cacheScope}, max-age=31536000, immutable`,
  };
  if (etagMatches(req.headers['if-none-match'], etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const rangeHeader = ifRangeAllows(header(req, 'if-range'), etag) ? header(req, 'range') : undefined;
  const range = decideRange(rangeHeader, entry.size);
  if (range.kind === 'unsatisfiable') {
    sendError(res, 416, 'E_ARTIFACT_RANGE', `range ${rangeHeader ?? ''} is outside the file (${entry.size} bytes)`, { ...stringify(headers), 'content-range': `bytes */${entry.size}` });
    return;
  }
  const partial = range.kind === 'partial' ? range : undefined;
  const length = partial ? partial.end - partial.start + 1 : entry.size;
  Object.assign(headers, { 'content-type': 'application/octet-stream', 'content-length': length });
  if (partial) headers['content-range'] = `bytes ${partial.start}-${partial.end}/${entry.size}`;
  if (req.method === 'HEAD') {
    // Open (and close) the file anyway: HEAD must fail exactly where GET would, e.g. on a symlink out of the store.
    const opened = await ctx.store.open(file);
    opened?.stream.destroy();
    res.writeHead(opened ? (partial ? 206 : 200) : 404, headers);
    res.end();
    return;
  }
  await streamBody(res, file, partial, partial ? 206 : 200, headers, ctx);
}

async function streamBody(
  res: ServerResponse,
  file: FileCoordinates,
  range: { start: number; end: number } | undefined,
  status: number,
  headers: Record<string, string | number>,
  ctx: DownloadContext,
): Promise<void> {
  if (!ctx.slots.tryAcquire()) {
    sendError(res, 503, 'E_ARTIFACT_BUSY', 'too many downloads in progress; retry later', { 'retry-after': String(ctx.retryAfterSeconds) });
    return;
  }
  try {
    const opened = await ctx.store.open(file, range);
    if (!opened) {
      sendError(res, 404, 'E_ARTIFACT_NOT_FOUND', 'package file disappeared');
      return;
    }
    res.writeHead(status, headers);
    // pipeline applies backpressure and closes the file if the client goes away.
    await pipeline(opened.stream, res).catch((err: unknown) => {
      ctx.logger?.debug({ err, path: opened.entry.path }, 'download ended early');
    });
  } finally {
    ctx.slots.release();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stringify(h: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
}
