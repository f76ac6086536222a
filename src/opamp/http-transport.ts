/**
 * The plain-HTTP transport (spec: POST AgentToServer with `Content-Type:
 * application/x-protobuf`, ServerToAgent back with exactly that content type; gzip bodies
 * both ways). Every request is authenticated, bounded in size (after decompression) and
 * rate-limited per agent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { decodeAgentToServer } from './codec.ts';
import { atCapacity, encodeReply } from './context.ts';
import type { ServerContext } from './context.ts';
import type { AgentToServer, ServerToAgent } from './messages.ts';
import { badRequest, exchange, unavailable } from './protocol.ts';
import { createTokenBucket } from './token-bucket.ts';
import type { TokenBucket } from './token-bucket.ts';
import { uuidToString } from './uuid.ts';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);
const contentType = 'application/x-protobuf';

/** A request the transport refuses before OpAMP processing, with its HTTP status. */
class Refusal extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

export interface HttpTransport {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Drops the rate-limit state of a forgotten agent. */
  forget(uid: string): void;
}

interface HttpState {
  ctx: ServerContext;
  /** Per agent uid: HTTP has no connection to hang the bucket on. */
  buckets: Map<string, TokenBucket>;
  /** Malformed requests per keep-alive connection. */
  strikes: WeakMap<Socket, number>;
}

/** The plain-HTTP side of the server, sharing the context with the WebSocket side. */
export function createHttpTransport(ctx: ServerContext): HttpTransport {
  const state: HttpState = { ctx, buckets: new Map(), strikes: new WeakMap() };
  return {
    handle(req, res) {
      ctx.stats.httpRequestsTotal += 1;
      const refusal = precheck(ctx, req);
      if (refusal !== undefined) return sendPlain(res, refusal);
      ctx.stats.httpRequestsInFlight += 1;
      res.once('close', () => void (ctx.stats.httpRequestsInFlight -= 1));
      void serveRequest(state, req, res).catch((error: unknown) => {
        if (error instanceof Refusal) return sendPlain(res, error);
        ctx.logger.error({ err: error }, 'OpAMP HTTP request failed');
        sendPlain(res, new Refusal(500, 'internal error'));
      });
    },
    forget: (uid) => void state.buckets.delete(uid),
  };
}

async function serveRequest(state: HttpState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = state;
  const body = await readBody(ctx, req);
  ctx.stats.messagesIn += 1;
  ctx.stats.bytesIn += body.byteLength;
  let message: AgentToServer;
  try {
    message = decodeAgentToServer(body);
  } catch (error) {
    ctx.stats.decodeErrors += 1;
    return reply(state, req, res, 400, badRequest((error as Error).message), true);
  }
  const now = ctx.clock.now();
  const bucket = bucketFor(state, message, now);
  if (bucket !== undefined && !bucket.take(now)) {
    ctx.stats.rateLimited += 1;
    const wait = Math.max(1, Math.ceil(bucket.waitSeconds(now)));
    const limited = unavailable(`rate limit: at most ${ctx.options.messagesPerSecond} messages per second`, wait, message.instanceUid);
    return reply(state, req, res, 429, limited, false, { 'Retry-After': String(wait) });
  }
  // Every HTTP exchange is its own session: the capabilities go in every reply (spec).
  const session = { id: ctx.nextSessionId(), transport: 'http' as const, capabilitiesSent: false };
  const result = exchange(ctx.state, session, message, now);
  if (result.bad) return reply(state, req, res, 400, result.reply, true);
  if (result.reply.errorResponse?.retryInfo !== undefined) {
    return reply(state, req, res, 503, result.reply, false, { 'Retry-After': String(ctx.options.retryAfterSeconds) });
  }
  return reply(state, req, res, 200, result.reply, false);
}

function bucketFor(state: HttpState, message: AgentToServer, now: number): TokenBucket | undefined {
  if (message.instanceUid?.byteLength !== 16) return undefined;
  const uid = uuidToString(message.instanceUid);
  let bucket = state.buckets.get(uid);
  if (bucket === undefined) {
    bucket = createTokenBucket(state.ctx.options.messagesPerSecond, state.ctx.options.burst, now);
    state.buckets.set(uid, bucket);
  }
  return bucket;
}

/** Writes a ServerToAgent with exactly `application/x-protobuf` (a real client drops anything else). */
async function reply(state: HttpState, req: IncomingMessage, res: ServerResponse, status: number, message: ServerToAgent, bad: boolean, headers: Record<string, string> = {}): Promise<void> {
  let body = encodeReply(state.ctx, message);
  const out: Record<string, string> = { 'Content-Type': contentType, ...headers };
  if (acceptsGzip(req.headers['accept-encoding'])) {
    body = await gzipAsync(body);
    out['Content-Encoding'] = 'gzip';
  }
  if (bad && strike(state, req.socket)) out.Connection = 'close';
  out['Content-Length'] = String(body.byteLength);
  res.writeHead(status, out);
  res.end(body);
}

/** Counts a malformed request against its keep-alive connection; true when it must close. */
function strike(state: HttpState, socket: Socket): boolean {
  const count = (state.strikes.get(socket) ?? 0) + 1;
  state.strikes.set(socket, count);
  if (count < state.ctx.options.maxBadMessages) return false;
  state.ctx.stats.closedForBadMessages += 1;
  state.ctx.logger.warn({ remote: socket.remoteAddress }, 'closing OpAMP HTTP connection after repeated malformed requests');
  return true;
}

/** Refusals decided from the headers alone, before reading the body. */
function precheck(ctx: ServerContext, req: IncomingMessage): Refusal | undefined {
  // Authentication first: an unauthenticated client learns nothing else about the endpoint.
  if (!ctx.auth.check(req)) {
    ctx.stats.rejectedAuth += 1;
    ctx.logger.warn({ remote: req.socket.remoteAddress }, 'OpAMP HTTP request refused: not authenticated');
    return new Refusal(401, 'missing or unknown bearer token', { 'WWW-Authenticate': 'Bearer' });
  }
  if (req.method !== 'POST') return new Refusal(405, 'OpAMP over HTTP takes POST (or a WebSocket upgrade)', { Allow: 'POST' });
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (type !== contentType) return new Refusal(415, `Content-Type must be ${contentType}`);
  if (ctx.closing || atCapacity(ctx)) {
    ctx.stats.rejectedCapacity += 1;
    return new Refusal(503, 'server at capacity', { 'Retry-After': String(ctx.options.retryAfterSeconds) });
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') return new Refusal(415, 'Content-Encoding must be gzip or identity');
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > ctx.options.maxMessageBytes) {
    ctx.stats.oversized += 1;
    return new Refusal(413, `message larger than ${ctx.options.maxMessageBytes} bytes`);
  }
  return undefined;
}

/** Reads the body, stopping at the size limit; the limit applies after gunzip too. */
async function readBody(ctx: ServerContext, req: IncomingMessage): Promise<Uint8Array> {
  const limit = ctx.options.maxMessageBytes;
  const tooLarge = (): Refusal => {
    ctx.stats.oversized += 1;
    return new Refusal(413, `message larger than ${limit} bytes (after decompression)`);
  };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks);
  if ((req.headers['content-encoding'] ?? '').trim().toLowerCase() !== 'gzip') return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    ctx.stats.decodeErrors += 1;
    throw new Refusal(400, `request body is not valid gzip: ${(error as Error).message}`);
  }
}

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') return false;
    return !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

function sendPlain(res: ServerResponse, refusal: Refusal): void {
  if (res.headersSent) return void res.destroy();
  const body = `${refusal.message}\n`;
  // Close after refusing a body we did not read, so the rest of it is not parsed as a request.
  res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...refusal.headers });
  res.end(body);
}
