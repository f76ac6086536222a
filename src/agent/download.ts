/**
 * Package downloads: to a temporary file, with the offer's headers, resuming with a
 * `Range` request after an interruption, SHA-256 computed while the bytes stream in and
 * compared with the offer's `content_hash`. Every limit (size, idle timeout, attempts) is
 * explicit.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AgentError, describeError } from './errors.ts';

/** Explicit bounds of one download (config `limits.*`). */
export interface DownloadLimits {
  /** Largest file accepted, bytes. */
  maxBytes: number;
  /** Abort an attempt when no byte arrives for this long, ms. */
  idleTimeoutMs: number;
  /** Attempts in total (the first plus resumptions). */
  attempts: number;
  /** Pause between attempts, ms. */
  retryDelayMs: number;
}

/** Progress of a download, for `download_details`. */
export interface DownloadProgress {
  bytes: number;
  /** Total size when the server said (Content-Length / Content-Range). */
  total?: number;
  bytesPerSecond: number;
}

/** One file to fetch and check. */
export interface DownloadRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  /** Temporary file to write; an existing partial file is resumed. */
  dest: string;
  /** Lowercase hex SHA-256 the file must have. */
  expectedSha256: string;
  limits: DownloadLimits;
  /** Extra trusted CA certificates (PEM) for https URLs. */
  ca?: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** A completed, hash-checked download. */
export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** How many times the download resumed after an interruption. */
  resumed: number;
}

/** Downloads `url` into `dest` and checks its SHA-256; throws `AgentError` with a precise reason. */
export async function downloadFile(req: DownloadRequest): Promise<DownloadResult> {
  let resumed = 0;
  let lastError: unknown;
  for (let attempt = 1; attempt <= req.limits.attempts; attempt++) {
    req.signal?.throwIfAborted();
    const have = await sizeOf(req.dest);
    if (attempt > 1 && have > 0) resumed += 1;
    try {
      const { bytes, sha256 } = await downloadAttempt(req, have);
      if (sha256 !== req.expectedSha256) {
        throw new AgentError('E_CONTENT_HASH', `content hash mismatch for ${req.url}: expected sha256 ${req.expectedSha256}, downloaded ${bytes} bytes with sha256 ${sha256}`);
      }
      return { bytes, sha256, resumed };
    } catch (err) {
      if (err instanceof AgentError && err.code !== 'E_DOWNLOAD') throw err;
      if (err instanceof AgentError && /HTTP 4\d\d/.test(err.message)) throw err;
      if (req.signal?.aborted) throw err;
      lastError = err;
      await new Promise((r) => setTimeout(r, req.limits.retryDelayMs));
    }
  }
  throw new AgentError('E_DOWNLOAD', `download of ${req.url} failed after ${req.limits.attempts} attempts: ${describeError(lastError)}`, { cause: lastError });
}

async function downloadAttempt(req: DownloadRequest, have: number): Promise<{ bytes: number; sha256: string }> {
  const headers: Record<string, string> = { ...req.headers };
  if (have > 0) headers['range'] = `bytes=${have}-`;
  const res = await get(req, headers);
  let start = have;
  if (res.statusCode === 200) {
    start = 0;
    if (have > 0) await truncate(req.dest, 0);
  } else if (res.statusCode === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
    if (!range || Number(range[1]) !== have) {
      res.resume();
      await truncate(req.dest, 0);
      throw new AgentError('E_DOWNLOAD', `server answered Range bytes=${have}- with Content-Range "${res.headers['content-range'] ?? ''}"; restarting from 0`);
    }
  } else {
    res.resume();
    throw new AgentError('E_DOWNLOAD', `HTTP ${res.statusCode} from ${req.url}`);
  }
  const total = totalSize(res, start);
  if (total !== undefined && total > req.limits.maxBytes) {
    res.destroy();
    throw new AgentError('E_DOWNLOAD_TOO_LARGE', `${req.url} is ${total} bytes, over the limit of ${req.limits.maxBytes} (limits.maxDownloadBytes)`);
  }
  // Resuming: the hash restarts from the bytes actually on disk, so a torn write of the
  // previous attempt can never make hash and file disagree.
  const hash = createHash('sha256');
  if (start > 0) await pipeline(createReadStream(req.dest), hashSink(hash));
  const written = await streamBody(req, res, start, total, hash);
  if (total !== undefined && written !== total) {
    throw new AgentError('E_DOWNLOAD', `connection ended after ${written} of ${total} bytes`);
  }
  return { bytes: written, sha256: hash.digest('hex') };
}

function get(req: DownloadRequest, headers: Record<string, string>): Promise<IncomingMessage> {
  const url = new URL(req.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new AgentError('E_BAD_OFFER', `download URL ${req.url} is not http(s)`));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const options = { headers, ...(req.ca === undefined ? {} : { ca: req.ca }), ...(req.signal ? { signal: req.signal } : {}) };
    const request = client.get(url, options, resolve);
    request.setTimeout(req.limits.idleTimeoutMs, () => {
      request.destroy(new AgentError('E_DOWNLOAD', `no data from ${url.host} for ${req.limits.idleTimeoutMs} ms`));
    });
    request.on('error', (err) => reject(err instanceof AgentError ? err : new AgentError('E_DOWNLOAD', describeError(err), { cause: err })));
  });
}

function totalSize(res: IncomingMessage, start: number): number | undefined {
  if (res.statusCode === 206) {
    const m = /\/(\d+)$/.exec(res.headers['content-range'] ?? '');
    return m ? Number(m[1]) : undefined;
  }
  const length = res.headers['content-length'];
  return length === undefined ? undefined : Number(length) + start;
}

async function streamBody(req: DownloadRequest, res: IncomingMessage, start: number, total: number | undefined, hash: Hash): Promise<number> {
  let bytes = start;
  const began = Date.now();
  let lastReport = 0;
  const report = (force: boolean): void => {
    const now = Date.now();
    if (!req.onProgress || (!force && now - lastReport < 200)) return;
    lastReport = now;
    const seconds = Math.max((now - began) / 1000, 0.001);
    req.onProgress({ bytes, ...(total === undefined ? {} : { total }), bytesPerSecond: (bytes - start) / seconds });
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > req.limits.maxBytes) {
        done(new AgentError('E_DOWNLOAD_TOO_LARGE', `${req.url} exceeded the limit of ${req.limits.maxBytes} bytes (limits.maxDownloadBytes)`));
        return;
      }
      hash.update(chunk);
      report(false);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, counter, createWriteStream(req.dest, { flags: 'a', mode: 0o600 }));
  } catch (err) {
    if (err instanceof AgentError) throw err;
    throw new AgentError('E_DOWNLOAD', `transfer interrupted after ${bytes} bytes: ${describeError(err)}`, { cause: err });
  }
  report(true);
  return bytes;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function hashSink(hash: Hash): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done();
    },
  });
}

/** SHA-256 (lowercase hex) of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hashSink(hash));
  return hash.digest('hex');
}
