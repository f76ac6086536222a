import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { bearerToken, tokenAllowed } from './http-auth.ts';
import { createDownloadSlots, serveDownload } from './http-download.ts';
import { parseArtifactRoute, type ArtifactRoute } from './http-route.ts';
import { refuseBody, sendError, sendFailure, sendJson } from './http-respond.ts';
import { serveUpload } from './http-upload.ts';
import type { ArtifactStore } from './store.ts';

/** Options of {@link createArtifactHandler}. Every limit has a default and can be changed. */
export interface ArtifactHandlerOptions {
  store: ArtifactStore;
  /** Tokens allowed to PUT (and to download). No tokens: uploads are disabled (403). */
  adminTokens?: readonly string[];
  /** When non-empty, GET/HEAD need one of these (or an admin token) as `Authorization: Bearer`. */
  downloadTokens?: readonly string[];
  /** File bodies streamed at once; beyond it 503 with Retry-After. Default 64. */
  maxConcurrentDownloads?: number;
  /** Retry-After of that 503. Default 5. */
  retryAfterSeconds?: number;
  /** Largest upload in bytes; beyond it 413. Default 4 GiB. */
  maxUploadBytes?: number;
  /** How long the body of a refused upload is still read (and discarded) so the client sees the answer. Default 3000 ms. */
  refusedBodyLingerMs?: number;
  logger?: Logger;
}

/** Handles a request if it is under `/packages`; returns false (untouched) otherwise. */
export type ArtifactRequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const REALM = { 'www-authenticate': 'Bearer realm="ringmaster-packages"' };

/**
 * The `/packages/...` HTTP API (docs/artifacts.md) as a plain Node request handler, so
 * `ringmaster serve` can mount it on its one shared server.
 */
export function createArtifactHandler(options: ArtifactHandlerOptions): ArtifactRequestHandler {
  const admin = options.adminTokens ?? [];
  const download = options.downloadTokens ?? [];
  const slots = createDownloadSlots(options.maxConcurrentDownloads ?? 64);
  const downloadCtx = {
    store: options.store,
    slots,
    retryAfterSeconds: options.retryAfterSeconds ?? 5,
    cacheScope: download.length > 0 ? ('private' as const) : ('public' as const),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const lingerMs = options.refusedBodyLingerMs ?? 3000;
  const uploadCtx = { store: options.store, maxUploadBytes: options.maxUploadBytes ?? 4 * 1024 ** 3, lingerMs, ...(options.logger ? { logger: options.logger } : {}) };

  async function handle(req: IncomingMessage, res: ServerResponse, route: ArtifactRoute): Promise<void> {
    if (route.kind === 'invalid') return refuseBody(req, res, lingerMs, 400, 'E_ARTIFACT_INPUT', route.message);
    if (route.kind === 'unknown') return refuseBody(req, res, lingerMs, 404, 'E_ARTIFACT_NOT_FOUND', 'no such package path; see /packages/index.json');
    const isPut = req.method === 'PUT';
    const allowed = route.kind === 'file' ? ['GET', 'HEAD', 'PUT'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) {
      return refuseBody(req, res, lingerMs, 405, 'E_METHOD', `${req.method ?? ''} is not allowed here`, { allow: allowed.join(', ') });
    }
    const denied = authorize(req, isPut);
    if (denied) {
      // Never the token itself: only that one was refused, and from where.
      options.logger?.warn({ method: req.method, path: req.url, remote: req.socket.remoteAddress, code: denied.code }, 'artifact request refused');
      return refuseBody(req, res, lingerMs, denied.status, denied.code, denied.message, REALM);
    }
    if (route.kind === 'index') return sendJson(req, res, await options.store.index());
    if (route.kind === 'manifest') {
      const manifest = await options.store.manifest(route.version.package, route.version.version);
      if (!manifest) return sendError(res, 404, 'E_ARTIFACT_NOT_FOUND', `no version ${route.version.version} of ${route.version.package}`);
      return sendJson(req, res, manifest);
    }
    if (isPut) return serveUpload(req, res, route.file, uploadCtx);
    return serveDownload(req, res, route.file, downloadCtx);
  }

  function authorize(req: IncomingMessage, isPut: boolean): { status: number; code: string; message: string } | undefined {
    const token = bearerToken(req);
    if (isPut) {
      if (admin.length === 0) return { status: 403, code: 'E_UPLOAD_DISABLED', message: 'uploads are disabled: configure an admin token on the server' };
      return tokenAllowed(token, admin) ? undefined : { status: 401, code: 'E_UNAUTHORIZED', message: 'uploading needs an admin token: Authorization: Bearer <token>' };
    }
    if (download.length === 0 || tokenAllowed(token, [...download, ...admin])) return undefined;
    return { status: 401, code: 'E_UNAUTHORIZED', message: 'downloading needs a token: Authorization: Bearer <token>' };
  }

  return (req, res) => {
    const route = parseArtifactRoute(req.url ?? '');
    if (!route) return false;
    handle(req, res, route).catch((err: unknown) => sendFailure(res, err, options.logger, { path: req.url }));
    return true;
  };
}

/** Options of {@link serveArtifacts}: the handler's, plus where to listen. */
export interface ServeArtifactsOptions extends ArtifactHandlerOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Longest a whole request (a big upload included) may take. Default 30 min. */
  requestTimeoutMs?: number;
}

/** A running standalone artifact server. */
export interface ArtifactServer {
  port: number;
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43123`. */
  url: string;
  close(): Promise<void>;
}

/** Serves only the artifact API on its own HTTP server (standalone use and tests). */
export async function serveArtifacts(options: ServeArtifactsOptions): Promise<ArtifactServer> {
  const handler = createArtifactHandler(options);
  const server = createServer({ requestTimeout: options.requestTimeoutMs ?? 30 * 60_000 }, (req, res) => {
    if (!handler(req, res)) sendError(res, 404, 'E_NOT_FOUND', 'only /packages/... is served here');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
