/**
 * OpAMP over WebSocket (spec: "WebSocket Transport"): binary frames with a zero varint
 * header, heartbeats while idle, reconnection with backoff and jitter, `Retry-After` on a
 * refused upgrade and `retry_info` in an `Unavailable` error response honoured.
 */
import WebSocket from 'ws';
import { decodeServerToAgent, decodeWsFrame, encodeWsFrame } from '../opamp/codec.ts';
import type { AgentToServer } from '../opamp/messages.ts';
import { createBackoff } from './backoff.ts';
import { describeError } from './errors.ts';
import { parseRetryAfter, type ReplyOutcome } from './opamp-session.ts';
import { authHeaders, type OpampTransport, type TransportOptions } from './transport.ts';

/** Creates a WebSocket transport; nothing connects before `start()`. */
export function createWsTransport(options: TransportOptions): OpampTransport {
  const { session, logger } = options;
  const backoff = createBackoff({ ...options.reconnect, ...(options.random ? { random: options.random } : {}) });
  let ws: WebSocket | undefined;
  let stopping = false;
  let retryAfterMs: number | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let kickScheduled = false;

  const send = (socket: WebSocket | undefined, extra: Partial<AgentToServer> = {}, done?: () => void): void => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return done?.();
    socket.send(encodeWsFrame(session.encodeNext(extra)), { binary: true }, () => done?.());
  };

  const onReply = (socket: WebSocket, outcome: ReplyOutcome): void => {
    backoff.reset();
    if (outcome.unavailable) {
      retryAfterMs = outcome.unavailable.retryAfterMs;
      socket.close(1000);
    } else if (outcome.sendNow) send(socket);
  };

  const connect = (): void => {
    reconnectTimer = undefined;
    if (stopping) return;
    ws = openSocket(options, {
      onOpen(socket) {
        logger.info({ endpoint: options.endpoint }, 'OpAMP connected (WebSocket)');
        session.resetConnection();
        send(socket);
        heartbeat = setInterval(() => send(socket), options.heartbeatMs);
      },
      onReply,
      onRefused(status, retryAfter) {
        retryAfterMs = retryAfter;
        logger.warn({ status, retryAfterMs }, 'OpAMP server refused the WebSocket upgrade');
      },
      onDown() {
        if (heartbeat) clearInterval(heartbeat);
        heartbeat = undefined;
        if (stopping) return;
        const delay = retryAfterMs ?? backoff.next();
        retryAfterMs = undefined;
        logger.info({ reconnectInMs: delay }, 'OpAMP connection down; reconnecting');
        reconnectTimer = setTimeout(connect, delay);
      },
    });
  };

  return {
    start() {
      stopping = false;
      connect();
    },
    kick() {
      if (kickScheduled) return;
      kickScheduled = true;
      setImmediate(() => {
        kickScheduled = false;
        send(ws);
      });
    },
    async stop() {
      stopping = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (heartbeat) clearInterval(heartbeat);
      const socket = ws;
      if (!socket) return;
      await new Promise<void>((resolve) => send(socket, { agentDisconnect: {} }, resolve));
      await closeSocket(socket);
    },
    get connected() {
      return ws?.readyState === WebSocket.OPEN;
    },
  };
}

interface SocketHandlers {
  onOpen(socket: WebSocket): void;
  onReply(socket: WebSocket, outcome: ReplyOutcome): void;
  /** The upgrade was answered with an HTTP status instead (401, 429, 503, …). */
  onRefused(status: number | undefined, retryAfterMs: number | undefined): void;
  /** Called exactly once per socket, however it ended. */
  onDown(): void;
}

/** Opens one WebSocket connection and wires its events to `handlers`. */
function openSocket(options: TransportOptions, handlers: SocketHandlers): WebSocket {
  const socket = new WebSocket(options.endpoint, {
    headers: authHeaders(options.token),
    maxPayload: options.maxMessageBytes,
    handshakeTimeout: 30_000,
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  let down = false;
  const onDown = (): void => {
    if (down) return;
    down = true;
    handlers.onDown();
  };
  socket.on('open', () => handlers.onOpen(socket));
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return;
    try {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      handlers.onReply(socket, options.session.handleReply(decodeServerToAgent(decodeWsFrame(bytes))));
    } catch (err) {
      options.logger.warn({ err: describeError(err) }, 'ignoring a malformed message from the server');
    }
  });
  socket.on('unexpected-response', (req, res) => {
    handlers.onRefused(res.statusCode, parseRetryAfter(res.headers['retry-after']));
    res.resume();
    req.destroy();
    onDown();
  });
  socket.on('error', (err) => options.logger.debug({ err: err.message }, 'OpAMP WebSocket error'));
  socket.on('close', onDown);
  return socket;
}

function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.terminate();
      resolve();
    }, 2000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(1000);
  });
}
