/**
 * Test peers: a real `ws` WebSocket agent and a real HTTP poster, speaking the codec
 * under test. Waiting is by polling conditions, never by fixed sleeps.
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import { decodeServerToAgent, decodeWsFrame, encodeAgentToServer, encodeWsFrame } from '../../src/opamp/codec.ts';
import type { AgentToServer, ServerToAgent } from '../../src/opamp/messages.ts';
import { createOpampServer } from '../../src/opamp/server.ts';
import type { OpampServer, OpampServerOptions } from '../../src/opamp/server.ts';
import { uuidv7 } from '../../src/opamp/uuid.ts';

/** Polls `condition` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(condition: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface WsAgent {
  uid: Uint8Array;
  ws: WebSocket;
  received: ServerToAgent[];
  closed?: { code: number; reason: string };
  send(message: AgentToServer): void;
  sendRaw(bytes: Uint8Array | string): void;
  /** Sends and waits for the next reply. */
  exchange(message: AgentToServer): Promise<ServerToAgent>;
  nextMessage(after?: number): Promise<ServerToAgent>;
  close(): Promise<void>;
}

export async function connectWsAgent(url: string, headers: Record<string, string> = {}, autoPong = true): Promise<WsAgent> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false, autoPong });
  const agent: WsAgent = {
    uid: uuidv7(),
    ws,
    received: [],
    send: (message) => ws.send(encodeWsFrame(encodeAgentToServer(message))),
    sendRaw: (bytes) => ws.send(bytes),
    async exchange(message) {
      const before = agent.received.length;
      agent.send(message);
      return agent.nextMessage(before);
    },
    nextMessage: (after = agent.received.length) => waitFor(() => agent.received[after], 'a ServerToAgent message'),
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close();
      await closed;
    },
  };
  ws.on('message', (data: Buffer) => agent.received.push(decodeServerToAgent(decodeWsFrame(data))));
  ws.on('close', (code, reason) => void (agent.closed = { code, reason: reason.toString() }));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return agent;
}

/** The status an upgrade was refused with (or 101). */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      resolve({ status: 101, headers: {} });
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
      res.resume();
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  message?: ServerToAgent;
}

/** POSTs raw bytes; decodes a protobuf reply (gunzipping when the server gzipped it). */
export function post(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': String(body.byteLength), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const reply: HttpReply = { status: res.statusCode ?? 0, headers: res.headers, body: raw };
        if (res.headers['content-type'] === 'application/x-protobuf') {
          reply.message = decodeServerToAgent(res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw);
        }
        resolve(reply);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs one AgentToServer. */
export function postMessage(url: string, message: AgentToServer, headers: Record<string, string> = {}): Promise<HttpReply> {
  return post(url, encodeAgentToServer(message), headers);
}

export interface Started {
  server: OpampServer;
  url: string;
  wsUrl: string;
}

/** Starts a server on 127.0.0.1:0; `stopAll` closes every server started by the file. */
export function serverFixture(): { start(options?: OpampServerOptions): Promise<Started>; stopAll(): Promise<void> } {
  const servers: OpampServer[] = [];
  return {
    async start(options = {}) {
      const server = createOpampServer(options);
      servers.push(server);
      const { url, wsUrl } = await server.listen({ port: 0, host: '127.0.0.1' });
      return { server, url, wsUrl };
    },
    async stopAll() {
      await Promise.all(servers.splice(0).map((server) => server.close()));
    },
  };
}

/** A minimal first message: uid, sequence, capabilities. */
export function hello(uid: Uint8Array, sequenceNum: number, capabilities: number, extra: AgentToServer = {}): AgentToServer {
  return { instanceUid: uid, sequenceNum, capabilities, ...extra };
}
