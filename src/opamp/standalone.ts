/**
 * The OpAMP server's own HTTP(S) listener, for running without `ringmaster serve`
 * (tests, the reference agent's development loop). `serve` mounts the handlers instead.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { OpampTlsOptions } from './options.ts';

/** Where a standalone server listens. */
export interface ListeningAddress {
  port: number;
  /** `http(s)://host:port/v1/opamp`, for HTTP agents. */
  url: string;
  /** `ws(s)://host:port/v1/opamp`, for WebSocket agents. */
  wsUrl: string;
}

export interface Handlers {
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/** Starts a listener that routes `/v1/opamp` to the handlers and answers 404 elsewhere. */
export async function listenStandalone(handlers: Handlers, tls: OpampTlsOptions | undefined, port: number, host: string): Promise<{ server: Server; address: ListeningAddress }> {
  const server = await createOwnServer(tls);
  server.on('request', (req, res) => {
    if (!handlers.handleRequest(req, res)) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: OpAMP is served at /v1/opamp\n');
  });
  server.on('upgrade', (req, socket, head) => {
    if (!handlers.handleUpgrade(req, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
  const secure = tls !== undefined;
  const base = `${shown}:${bound.port}/v1/opamp`;
  return { server, address: { port: bound.port, url: `${secure ? 'https' : 'http'}://${base}`, wsUrl: `${secure ? 'wss' : 'ws'}://${base}` } };
}

/** Stops accepting, drops idle keep-alive connections, resolves when closed. */
export function closeStandalone(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function createOwnServer(tls: OpampTlsOptions | undefined): Promise<Server> {
  if (tls === undefined) return createHttpServer();
  const [cert, key, ca] = await Promise.all([readFile(tls.certFile), readFile(tls.keyFile), tls.caFile === undefined ? undefined : readFile(tls.caFile)]);
  // Unverified client certificates are not rejected in the handshake: a bearer token may
  // still authenticate; the authenticator accepts a certificate only when `socket.authorized`.
  return createHttpsServer({ cert, key, ...(ca === undefined ? {} : { ca }), requestCert: tls.requestClientCert === true, rejectUnauthorized: false });
}
