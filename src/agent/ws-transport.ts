/**
 * OpAMP over WebSocket (spec: "WebSocket Transport"): binary frames with a zero varint
 * header, heartbeats while idle, reconnection with backoff and jitter, `Retry-After` on a
 * refused upgrade and `retry_info` in an `Unavailable` error response honoured.
 */
import WebSocket from 'ws';
import { decodeServerToAgent, decodeWsFrame, encodeWsFrame } from '../opamp/codec.ts';
import { createBackoff } from './backoff.ts';
import { describeError } from './errors.ts';
import { parseRetryAfter } from './opamp-session.ts';
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

  const send = (socket: WebSocket | undefined, extra = {}, done?: () => void): void => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return done?.();
    socket.send(encodeWsFrame(session.encodeNext(extra)), { binary: true }, () => done?.());
  };

  const onMessage = (socket: WebSocket, data: WebSocket.RawData, isBinary: boolean): void => {
    if (!isBinary) return;
    try {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      const outcome = session.handleReply(decodeServerToAgent(decodeWsFrame(bytes)));
      backoff.reset();
      if (outcome.unavailable) {
        retryAfterMs = outcome.unavailable.retryAfterMs;
        socket.close(1000);
      } else if (outcome.sendNow) send(socket);
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'ignoring a malformed message from the server');
    }
  };

  const connect = (): void => {
    reconnectTimer = undefined;
    if (stopping) return;
    const socket = new WebSocket(options.endpoint, {
      headers: authHeaders(options.token),
      maxPayload: options.maxMessageBytes,
      handshakeTimeout: 30_000,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    ws = socket;
    let down = false;
    const onDown = (): void => {
      if (down) return;
      down = true;
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
      if (stopping) return;
      const delay = retryAfterMs ?? backoff.next();
      retryAfterMs = undefined;
      logger.info({ reconnectInMs: delay }, 'OpAMP connection down; reconnecting');
      reconnectTimer = setTimeout(connect, delay);
    };
    socket.on('open', () => {
      logger.info({ endpoint: options.endpoint }, 'OpAMP connected (WebSocket)');
      session.resetConnection();
      send(socket);
      heartbeat = setInterval(() => send(socket), options.heartbeatMs);
    });
    socket.on('message', (data, isBinary) => onMessage(socket, data, isBinary));
    socket.on('unexpected-response', (req, res) => {
      retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      logger.warn({ status: res.statusCode, retryAfterMs }, 'OpAMP server refused the WebSocket upgrade');
      res.resume();
      req.destroy();
      onDown();
    });
    socket.on('error', (err) => logger.debug({ err: err.message }, 'OpAMP WebSocket error'));
    socket.on('close', onDown);
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
