/**
 * A scripted OpAMP peer for protocol edge cases the real server never produces on demand
 * (a refused upgrade with Retry-After, an Unavailable error with retry_info, a new
 * instance uid). It speaks the real protocol with the real codec over a real WebSocket.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeAgentToServer, decodeWsFrame, encodeServerToAgent, encodeWsFrame } from '../../src/opamp/codec.ts';
import type { AgentToServer, ServerToAgent } from '../../src/opamp/messages.ts';
import { ServerCapabilities } from '../../src/opamp/messages.ts';

export interface Received {
  /** Epoch ms. */
  at: number;
  connection: number;
  message: AgentToServer;
}

export interface ScriptedServer {
  url: string;
  received: Received[];
  /** Upgrade attempts and HTTP POSTs, epoch ms. */
  attempts: number[];
  httpUrl: string;
  /** Answers the next `count` upgrade attempts (or POSTs) with this HTTP status and headers. */
  refuseUpgrades(count: number, status: number, headers: Record<string, string>): void;
  /** Decides the reply to each message (default: echo the uid with capabilities). */
  reply: (message: AgentToServer, connection: number, index: number) => ServerToAgent;
  close(): Promise<void>;
}

/** Starts a scripted peer on 127.0.0.1. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const http1 = http.createServer((req, res) => handlePost(req, res));
  const wss = new WebSocketServer({ noServer: true });
  let refusals: { count: number; status: number; headers: Record<string, string> } = { count: 0, status: 0, headers: {} };
  let connections = 0;
  const sockets = new Set<WebSocket>();
  const self: ScriptedServer = {
    url: '',
    httpUrl: '',
    received: [],
    attempts: [],
    refuseUpgrades(count, status, headers) {
      refusals = { count, status, headers };
    },
    reply: (message) => ({ instanceUid: message.instanceUid ?? new Uint8Array(16), capabilities: ServerCapabilities.AcceptsStatus }),
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      http1.closeAllConnections();
      await new Promise((resolve) => http1.close(resolve));
    },
  };
  // Plain HTTP transport: one AgentToServer per POST, answered in the body.
  let httpIndex = 0;
  const handlePost = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    self.attempts.push(Date.now());
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (refusals.count > 0) {
        refusals.count -= 1;
        res.writeHead(refusals.status, refusals.headers).end();
        return;
      }
      const message = decodeAgentToServer(new Uint8Array(Buffer.concat(chunks)));
      self.received.push({ at: Date.now(), connection: 0, message });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeServerToAgent(self.reply(message, 0, httpIndex++)));
    });
  };
  http1.on('upgrade', (req, socket, head) => {
    self.attempts.push(Date.now());
    if (refusals.count > 0) {
      refusals.count -= 1;
      const lines = [`HTTP/1.1 ${refusals.status} Refused`, ...Object.entries(refusals.headers).map(([k, v]) => `${k}: ${v}`), 'Content-Length: 0', 'Connection: close', '', ''];
      socket.end(lines.join('\r\n'));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = (connections += 1);
      let index = 0;
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data: Buffer) => {
        const message = decodeAgentToServer(decodeWsFrame(new Uint8Array(data)));
        self.received.push({ at: Date.now(), connection, message });
        ws.send(encodeWsFrame(encodeServerToAgent(self.reply(message, connection, index++))));
      });
    });
  });
  await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
  self.url = `ws://127.0.0.1:${(http1.address() as AddressInfo).port}/v1/opamp`;
  self.httpUrl = self.url.replace(/^ws:/, 'http:');
  return self;
}
