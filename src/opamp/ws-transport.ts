/**
 * The WebSocket transport (spec: binary frames, varint header 0 + protobuf). Auth and
 * capacity are checked before the upgrade; every frame is answered; malformed frames
 * get BadRequest and, repeated, close the connection; nothing here affects other agents.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { decodeAgentToServer, decodeWsFrame, encodeWsFrame } from './codec.ts';
import { atCapacity, encodeReply } from './context.ts';
import type { ServerContext } from './context.ts';
import type { AgentToServer, ServerToAgent } from './messages.ts';
import { badRequest, exchange, markOffline, unavailable } from './protocol.ts';
import type { Session } from './protocol.ts';
import { createTokenBucket } from './token-bucket.ts';
import type { TokenBucket } from './token-bucket.ts';

interface Connection {
  session: Session;
  ws: WebSocket;
  bucket: TokenBucket;
  badMessages: number;
  awaitingPong: boolean;
}

export interface WsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sends to an open session; false when it is gone. */
  send(sessionId: number, reply: ServerToAgent): boolean;
  /** Pings every connection; terminates those that did not answer the previous ping. */
  probe(): void;
  /** Closes every connection with 1001 and waits (bounded) for them to go. */
  closeAll(timeoutMs: number): Promise<void>;
}

/** Frames are small and counted: these bound what one message may make `ws` buffer. */
const maxFragments = 1024;
const maxBufferedChunks = 1024;

/** The WebSocket side of the server, sharing the context with the HTTP side. */
export function createWsTransport(ctx: ServerContext): WsTransport {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    maxPayload: ctx.options.maxMessageBytes + 1, // + the one-byte frame header
    maxBufferedChunks,
    maxFragments,
  });
  const connections = new Map<number, Connection>();
  return {
    handleUpgrade(req, socket, head) {
      if (admit(ctx, req, socket)) wss.handleUpgrade(req, socket, head, (ws) => onConnection(ctx, connections, ws, req));
    },
    send(sessionId, reply) {
      const connection = connections.get(sessionId);
      return connection === undefined ? false : send(ctx, connection, reply);
    },
    probe: () => probe(connections),
    closeAll: (timeoutMs) => closeAll(connections, timeoutMs),
  };
}

/** Auth, then capacity, before the upgrade (spec: auth failure is HTTP 401). */
function admit(ctx: ServerContext, req: IncomingMessage, socket: Duplex): boolean {
  if (!ctx.auth.check(req)) {
    ctx.stats.rejectedAuth += 1;
    ctx.logger.warn({ remote: req.socket.remoteAddress }, 'OpAMP WebSocket upgrade refused: not authenticated');
    refuse(socket, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer' });
    return false;
  }
  if (ctx.closing || atCapacity(ctx)) {
    ctx.stats.rejectedCapacity += 1;
    refuse(socket, 503, 'Service Unavailable', { 'Retry-After': String(ctx.options.retryAfterSeconds) });
    return false;
  }
  return true;
}

function onConnection(ctx: ServerContext, connections: Map<number, Connection>, ws: WebSocket, req: IncomingMessage): void {
  const session: Session = { id: ctx.nextSessionId(), transport: 'websocket', capabilitiesSent: false };
  const bucket = createTokenBucket(ctx.options.messagesPerSecond, ctx.options.burst, ctx.clock.now());
  const connection: Connection = { session, ws, bucket, badMessages: 0, awaitingPong: false };
  connections.set(session.id, connection);
  ctx.state.openSessions.add(session.id);
  ctx.stats.websocketConnectionsOpen += 1;
  ctx.stats.websocketConnectionsTotal += 1;
  const log = ctx.logger.child({ session: session.id, remote: req.socket.remoteAddress });
  log.debug('OpAMP WebSocket connected');
  ws.on('message', (data, isBinary) => onFrame(ctx, connection, toBytes(data), isBinary));
  ws.on('pong', () => void (connection.awaitingPong = false));
  ws.on('error', (error: Error & { code?: string }) => {
    if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') ctx.stats.oversized += 1;
    log.warn({ err: error, agent: session.uid }, 'OpAMP WebSocket error');
  });
  ws.on('close', (code) => {
    connections.delete(session.id);
    ctx.state.openSessions.delete(session.id);
    ctx.stats.websocketConnectionsOpen -= 1;
    log.debug({ code, agent: session.uid }, 'OpAMP WebSocket closed');
    const record = session.uid === undefined ? undefined : ctx.state.agents.get(session.uid);
    if (record?.sessionId === session.id) markOffline(ctx.state, record, ctx.closing ? 'shutdown' : 'closed');
  });
}

function onFrame(ctx: ServerContext, connection: Connection, bytes: Uint8Array, isBinary: boolean): void {
  ctx.stats.messagesIn += 1;
  ctx.stats.bytesIn += bytes.byteLength;
  if (!isBinary) return strike(ctx, connection, badRequest('OpAMP messages are binary frames; got a text frame'));
  let message: AgentToServer;
  try {
    message = decodeAgentToServer(decodeWsFrame(bytes));
  } catch (error) {
    ctx.stats.decodeErrors += 1;
    return strike(ctx, connection, badRequest((error as Error).message));
  }
  const now = ctx.clock.now();
  if (!connection.bucket.take(now)) {
    ctx.stats.rateLimited += 1;
    const wait = Math.max(1, connection.bucket.waitSeconds(now));
    return void send(ctx, connection, unavailable(`rate limit: at most ${ctx.options.messagesPerSecond} messages per second`, wait, message.instanceUid));
  }
  const result = exchange(ctx.state, connection.session, message, now);
  if (result.bad) return strike(ctx, connection, result.reply);
  send(ctx, connection, result.reply);
}

/** Answers a malformed message and closes the connection once it has sent too many. */
function strike(ctx: ServerContext, connection: Connection, reply: ServerToAgent): void {
  send(ctx, connection, reply);
  connection.badMessages += 1;
  if (connection.badMessages < ctx.options.maxBadMessages) return;
  ctx.stats.closedForBadMessages += 1;
  ctx.logger.warn({ session: connection.session.id, agent: connection.session.uid }, 'closing OpAMP connection after repeated malformed messages');
  connection.ws.close(1008, 'too many malformed messages');
}

/** Sends one reply; an agent that lets replies pile up unread is cut off rather than buffered without end. */
function send(ctx: ServerContext, connection: Connection, reply: ServerToAgent): boolean {
  const { ws } = connection;
  if (ws.readyState !== ws.OPEN) return false;
  if (ws.bufferedAmount > ctx.options.maxBufferedBytes) {
    ctx.stats.closedSlowConsumers += 1;
    ctx.logger.warn({ session: connection.session.id, agent: connection.session.uid, buffered: ws.bufferedAmount }, 'cutting off an OpAMP agent that does not read its replies');
    ws.terminate();
    return false;
  }
  ws.send(encodeWsFrame(encodeReply(ctx, reply)));
  return true;
}

/** A connection that did not answer the previous ping is dead: its close marks the agent offline. */
function probe(connections: Map<number, Connection>): void {
  for (const connection of connections.values()) {
    if (connection.awaitingPong) {
      connection.ws.terminate();
      continue;
    }
    connection.awaitingPong = true;
    connection.ws.ping();
  }
}

async function closeAll(connections: Map<number, Connection>, timeoutMs: number): Promise<void> {
  const pending = [...connections.values()].map(({ ws }) => new Promise<void>((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    ws.once('close', () => resolve());
    ws.close(1001, 'server shutting down');
  }));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(pending), deadline]);
  clearTimeout(timer);
  for (const { ws } of connections.values()) ws.terminate();
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Answers a refused upgrade with a plain HTTP status. */
function refuse(socket: Duplex, status: number, text: string, headers: Record<string, string>): void {
  const lines = [`HTTP/1.1 ${status} ${text}`, 'Connection: close', 'Content-Length: 0', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}
