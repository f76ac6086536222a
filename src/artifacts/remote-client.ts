import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import type { ManifestFileEntry, PackageIndex, VersionManifest } from './manifest.ts';
import { downloadPath, type VersionCoordinates } from './names.ts';
import type { PutMeta } from './put-meta.ts';

/**
 * Client of a running server's `/packages` API, for `ringmaster package push --server`
 * and `package list --server`. Uploads stream the file; nothing is buffered.
 */

/** Where the server is and how to authenticate. */
export interface RemoteStore {
  /** Base URL, e.g. `https://ringmaster.example.com` (a path prefix is kept). */
  server: string;
  token?: string;
}

/** A failure reported by the server (or of the connection: `status` 0). */
export class RemoteStoreError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemoteStoreError';
    this.status = status;
    this.code = code;
  }
}

/** Uploads `filePath` with PUT; resolves to the stored entry and whether it was new. */
export async function pushToServer(remote: RemoteStore, filePath: string, meta: PutMeta): Promise<{ entry: ManifestFileEntry; created: boolean }> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (meta.type) headers['ringmaster-type'] = meta.type;
  if (meta.signature) headers['ringmaster-signature'] = meta.signature;
  if (meta.expectedSha256) headers['ringmaster-content-sha256'] = meta.expectedSha256;
  if (meta.requires?.length) headers['ringmaster-requires'] = meta.requires.map((r) => `${r.package}@${r.range}`).join(',');
  if (meta.metadata) headers['ringmaster-metadata'] = Buffer.from(JSON.stringify(meta.metadata)).toString('base64');
  const info = await stat(filePath);
  // A known length lets the server refuse an oversized upload before reading it (a FIFO has none: chunked).
  if (info.isFile()) headers['content-length'] = String(info.size);
  const res = await send(remote, 'PUT', downloadPath(meta), headers, filePath);
  const body = (await readJson(res)) as ManifestFileEntry & { created: boolean };
  const { created, ...entry } = body;
  return { entry, created };
}

/** The manifest of a version on the server, or undefined (404). */
export async function fetchRemoteManifest(remote: RemoteStore, v: VersionCoordinates): Promise<VersionManifest | undefined> {
  const path = `packages/${encodeURIComponent(v.package)}/${encodeURIComponent(v.version)}/manifest.json`;
  const res = await send(remote, 'GET', path, {});
  if (res.statusCode === 404) {
    res.resume();
    return undefined;
  }
  return (await readJson(res)) as VersionManifest;
}

/** The server's `/packages/index.json`. */
export async function fetchRemoteIndex(remote: RemoteStore): Promise<PackageIndex> {
  return (await readJson(await send(remote, 'GET', 'packages/index.json', {}))) as PackageIndex;
}

function send(remote: RemoteStore, method: string, path: string, headers: Record<string, string>, filePath?: string): Promise<IncomingMessage> {
  const base = remote.server.endsWith('/') ? remote.server : `${remote.server}/`;
  const url = new URL(path, base);
  const request = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
  if (!request) return Promise.reject(new RemoteStoreError(0, 'E_REMOTE_URL', `server URL ${remote.server} must start with http:// or https://`));
  const auth: Record<string, string> = remote.token ? { authorization: `Bearer ${remote.token}` } : {};
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, ...auth } }, (res) => {
      // A refusal can arrive while the file is still being sent: stop sending once it is read.
      if ((res.statusCode ?? 0) >= 400) res.once('end', () => req.destroy());
      resolve(res);
    });
    req.on('error', (err) => reject(new RemoteStoreError(0, 'E_REMOTE_UNREACHABLE', `cannot reach ${url.origin}: ${err.message}`, { cause: err })));
    if (!filePath) {
      req.end();
      return;
    }
    pipeline(createReadStream(filePath), req).catch((err: unknown) => req.destroy(err as Error));
  });
}

async function readJson(res: IncomingMessage): Promise<unknown> {
  const body = await text(res);
  const status = res.statusCode ?? 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new RemoteStoreError(status, 'E_REMOTE_RESPONSE', `server answered ${status} with a body that is not JSON: ${body.slice(0, 200)}`);
  }
  if (status >= 200 && status < 300) return parsed;
  const error = (parsed as { error?: { code?: string; message?: string } }).error;
  throw new RemoteStoreError(status, error?.code ?? 'E_REMOTE_STATUS', `server answered ${status}: ${error?.message ?? body.slice(0, 200)}`);
}
