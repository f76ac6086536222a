import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import type { PackageType } from '../manifests/types.ts';
import { ArtifactInputError, ArtifactTooLargeError } from './errors.ts';
import { lingerOnBody, refuseBody, sendFailure } from './http-respond.ts';
import type { FileCoordinates } from './names.ts';
import { parseRequirement, type PutMeta } from './put-meta.ts';
import type { ArtifactStore } from './store.ts';

/**
 * PUT of one file. The body is the file, streamed straight into the store. What is not
 * in the path travels in headers, or — equally — in the query string:
 *
 * | header | query | meaning |
 * | --- | --- | --- |
 * | `Ringmaster-Type` | `type` | `TopLevel` or `Addon` |
 * | `Ringmaster-Signature` | `signature` | base64 Ed25519 signature |
 * | `Ringmaster-Requires` | `requires` (repeatable) | `pkg@range`, comma-separated in the header |
 * | `Ringmaster-Metadata` | `metadata` | JSON object; base64 of the JSON in the header |
 * | `Ringmaster-Content-SHA256` | `sha256` | hex digest the client computed |
 *
 * Answers 201 (stored), 200 (identical content already stored), 400, 409, 413.
 */

/** Settings of {@link serveUpload}. */
export interface UploadContext {
  store: ArtifactStore;
  maxUploadBytes: number;
  /** See `refuseBody`. */
  lingerMs: number;
  logger?: Logger;
}

/** Handles a PUT whose caller is already authorized. */
export async function serveUpload(req: IncomingMessage, res: ServerResponse, file: FileCoordinates, ctx: UploadContext): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > ctx.maxUploadBytes) {
    // Refuse before reading a byte (a 4 GiB body is not worth receiving to say no).
    refuseBody(req, res, ctx.lingerMs, 413, 'E_ARTIFACT_TOO_LARGE', new ArtifactTooLargeError(ctx.maxUploadBytes).message);
    return;
  }
  try {
    const meta = { ...file, ...uploadMeta(req), maxBytes: ctx.maxUploadBytes };
    const result = await ctx.store.put(bodyOf(req), meta);
    const body = `${JSON.stringify({ ...result.entry, created: result.created })}\n`;
    res.writeHead(result.created ? 201 : 200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } catch (err) {
    if (req.destroyed && !req.complete) {
      ctx.logger?.info({ path: req.url }, 'upload aborted by the client; nothing stored');
      return;
    }
    sendFailure(res, err, ctx.logger, { path: req.url });
    // The body may be partly unread (validation failed first, or the size limit hit mid-way).
    lingerOnBody(req, ctx.lingerMs);
  }
}

/**
 * The request body as a stream the store may destroy on failure (size limit, bad input)
 * without destroying the request itself, so the error response can still be sent.
 */
function bodyOf(req: IncomingMessage): PassThrough {
  const body = new PassThrough();
  req.once('error', (err) => body.destroy(err));
  req.once('close', () => {
    if (!req.complete) body.destroy(new Error('upload aborted by the client'));
  });
  return req.pipe(body);
}

function uploadMeta(req: IncomingMessage): Omit<PutMeta, keyof FileCoordinates> {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const type = one(req, 'ringmaster-type') ?? query.get('type') ?? undefined;
  const signature = one(req, 'ringmaster-signature') ?? query.get('signature') ?? undefined;
  const sha256 = one(req, 'ringmaster-content-sha256') ?? query.get('sha256') ?? undefined;
  const requiresHeader = one(req, 'ringmaster-requires');
  const requires = requiresHeader !== undefined ? requiresHeader.split(',').map((s) => s.trim()).filter(Boolean) : query.getAll('requires');
  const metadataHeader = one(req, 'ringmaster-metadata');
  const metadataText = metadataHeader !== undefined ? Buffer.from(metadataHeader, 'base64').toString('utf8') : query.get('metadata') ?? undefined;
  return {
    ...(type !== undefined ? { type: type as PackageType } : {}),
    ...(signature !== undefined ? { signature } : {}),
    ...(sha256 !== undefined ? { expectedSha256: sha256.toLowerCase() } : {}),
    ...(requires.length > 0 ? { requires: requires.map(parseRequirement) } : {}),
    ...(metadataText !== undefined ? { metadata: parseMetadata(metadataText) } : {}),
  };
}

function parseMetadata(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ArtifactInputError(`metadata is not JSON (${(err as Error).message}); send a JSON object, base64-encoded in the Ringmaster-Metadata header`);
  }
}

function one(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
