/**
 * A simulated agent over plain HTTP (spec: "Plain HTTP Transport"): one POST per message,
 * polling at the heartbeat interval, messages queued while a request is in flight. One
 * keep-alive pool per process, so idle HTTP agents hold no socket.
 */
import { Agent, request } from 'node:http';
import { decodeServerToAgent, encodeAgentToServer } from '../../src/opamp/codec.ts';
import type { AgentToServer } from '../../src/opamp/messages.ts';
import { floodMessage, reconnectDelay } from './link.ts';
import type { Link, LinkContext } from './link.ts';
import type { SimAgent } from './sim-agent.ts';

const pool = new Agent({ keepAlive: true, maxSockets: 256 });

/** Creates an agent's HTTP link (first poll on `start()`). */
export function createHttpLink(agent: SimAgent, ctx: LinkContext): Link {
  const queue: AgentToServer[] = [];
  let busy = false;
  let stopped = false;
  let poll: NodeJS.Timeout | undefined;
  let seen = false;

  const schedule = (ms: number): void => {
    clearTimeout(poll);
    if (!stopped) poll = setTimeout(() => send(agent.heartbeat()), ms);
  };
  const pump = (): void => {
    const message = queue.shift();
    if (busy || message === undefined) return;
    busy = true;
    post(ctx, encodeAgentToServer(message), (status, body, retryAfter) => {
      busy = false;
      if (status === 200 && body !== undefined) {
        if (!seen) ctx.counters.connected += 1;
        seen = true;
        ctx.counters.received += 1;
        if (ctx.flood !== 'off' && !stopped) queue.push(floodMessage(agent, ctx.flood));
        else decodeInto(agent, body, ctx);
        schedule(ctx.heartbeatMs);
      } else {
        ctx.counters.refused += status === 503 || status === 429 ? 1 : 0;
        schedule(reconnectDelay(retryAfter, ctx.random));
      }
      pump();
    });
  };
  const send = (message: AgentToServer): void => {
    if (stopped && message.agentDisconnect === undefined) return;
    queue.push(message);
    pump();
  };
  return {
    agent,
    start: () => {
      ctx.counters.connects += 1;
      send(agent.fullReport());
    },
    send,
    kickFlood: () => send(floodMessage(agent, ctx.flood)),
    async stop(polite) {
      stopped = true;
      clearTimeout(poll);
      queue.length = 0;
      if (seen) ctx.counters.connected -= 1;
      if (!polite) return;
      await new Promise<void>((resolve) => post(ctx, encodeAgentToServer({ ...agent.heartbeat(), agentDisconnect: {} }), () => resolve()));
    },
  };
}

function decodeInto(agent: SimAgent, body: Buffer, ctx: LinkContext): void {
  try {
    agent.onReply(decodeServerToAgent(body));
  } catch {
    ctx.counters.errors += 1;
  }
}

function post(ctx: LinkContext, body: Uint8Array, done: (status: number, body: Buffer | undefined, retryAfter: number | undefined) => void): void {
  ctx.counters.sent += 1;
  ctx.counters.bytesSent += body.byteLength;
  const headers: Record<string, string | number> = { 'content-type': 'application/x-protobuf', 'content-length': body.byteLength };
  if (ctx.token !== undefined) headers.authorization = `Bearer ${ctx.token}`;
  const req = request(ctx.endpoint, { method: 'POST', agent: pool, headers }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks), Number(res.headers['retry-after'])));
    res.on('error', () => done(0, undefined, undefined));
  });
  req.on('error', () => {
    ctx.counters.errors += 1;
    done(0, undefined, undefined);
  });
  req.end(body);
}
