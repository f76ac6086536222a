/**
 * A simulated agent's WebSocket (spec: binary frames, varint header 0 + protobuf). One `ws`
 * client per agent with compression off; heartbeats on a jittered interval; reconnects
 * with jitter (or after `Retry-After` when the upgrade is refused).
 */
import WebSocket from 'ws';
import { decodeServerToAgent, decodeWsFrame, encodeAgentToServer, encodeWsFrame } from '../../src/opamp/codec.ts';
import type { AgentToServer } from '../../src/opamp/messages.ts';
import { floodMessage, reconnectDelay } from './link.ts';
import type { Link, LinkContext } from './link.ts';
import type { SimAgent } from './sim-agent.ts';

/** Creates an agent's WebSocket link (connects on `start()`). */
export function createWsLink(agent: SimAgent, ctx: LinkContext): Link {
  let socket: WebSocket | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let beat: NodeJS.Timeout | undefined;
  let retryAfter: number | undefined;

  const send = (message: AgentToServer): void => {
    if (socket?.readyState !== WebSocket.OPEN) return;
    const frame = encodeWsFrame(encodeAgentToServer(message));
    ctx.counters.sent += 1;
    ctx.counters.bytesSent += frame.byteLength;
    socket.send(frame);
  };
  const onFrame = (data: WebSocket.RawData): void => {
    ctx.counters.received += 1;
    // Flooding never decodes: the same client then costs the same against the echo server.
    if (ctx.flood !== 'off') return send(floodMessage(agent, ctx.flood));
    try {
      agent.onReply(decodeServerToAgent(decodeWsFrame(data as Buffer)));
    } catch {
      ctx.counters.errors += 1;
    }
  };
  const connect = (): void => {
    timer = undefined;
    if (stopped) return;
    const ws = new WebSocket(ctx.endpoint, { perMessageDeflate: false, handshakeTimeout: 60_000, headers: ctx.token === undefined ? {} : { authorization: `Bearer ${ctx.token}` } });
    socket = ws;
    let up = false;
    ws.on('open', () => {
      up = true;
      ctx.counters.connected += 1;
      ctx.counters.connects += 1;
      send(agent.fullReport());
      // The first beat lands anywhere in the interval, so a fleet started at once does not beat in step.
      beat = setTimeout(function tick() {
        send(agent.heartbeat());
        beat = setTimeout(tick, ctx.heartbeatMs);
      }, ctx.random() * ctx.heartbeatMs);
    });
    ws.on('message', onFrame);
    ws.on('unexpected-response', (req, res) => {
      ctx.counters.refused += 1;
      retryAfter = Number(res.headers['retry-after']);
      res.resume();
      req.destroy();
    });
    ws.on('error', () => void (ctx.counters.errors += 1));
    ws.on('close', () => {
      if (up) ctx.counters.connected -= 1;
      clearTimeout(beat);
      if (!stopped) timer = setTimeout(connect, reconnectDelay(retryAfter, ctx.random));
      retryAfter = undefined;
    });
  };

  return {
    agent,
    start: connect,
    send,
    kickFlood: () => send(floodMessage(agent, ctx.flood)),
    async stop(polite) {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(beat);
      const ws = socket;
      if (ws === undefined || ws.readyState === WebSocket.CLOSED) return;
      if (polite) send({ ...agent.heartbeat(), agentDisconnect: {} });
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => ws.terminate(), 5000);
        ws.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000);
      });
    },
  };
}
