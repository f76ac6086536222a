/**
 * Entry of a target process (`target-protocol.ts`): starts one server — Ringmaster's OpAMP
 * server, a bare `ws` echo server, Ringmaster's artifact server, or a `node:http` +
 * `fs.createReadStream` file server — on 127.0.0.1:0 and answers samples until closed.
 * Run with `--expose-gc` so samples can be taken after a full collection.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { createArtifactStore } from '../../src/artifacts/store.ts';
import { serveArtifacts } from '../../src/artifacts/http-handler.ts';
import { createOpampServer } from '../../src/opamp/server.ts';
import type { FromTarget, TargetSample, TargetSpec, ToTarget } from './target-protocol.ts';

interface Running {
  url: string;
  counts(): { messagesIn: number; agentsOnline: number; websocketsOpen: number };
  close(): Promise<void>;
}

const tell = (message: FromTarget): void => void process.send?.(message);
let running: Running | undefined;

async function startOpamp(spec: Extract<TargetSpec, { kind: 'opamp' }>): Promise<Running> {
  const server = createOpampServer(spec.options);
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: address.url,
    counts: () => {
      const stats = server.stats();
      return { messagesIn: stats.messagesIn, agentsOnline: stats.agentsOnline, websocketsOpen: stats.websocketConnectionsOpen };
    },
    close: () => server.close(),
  };
}

/** The throughput baseline: `ws` with the same settings as the OpAMP server, echoing every frame. */
async function startEcho(): Promise<Running> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
  let messagesIn = 0;
  let open = 0;
  wss.on('connection', (ws) => {
    open += 1;
    ws.on('message', (data, isBinary) => {
      messagesIn += 1;
      ws.send(data, { binary: isBinary });
    });
    ws.on('close', () => void (open -= 1));
  });
  const port = await listen(http);
  return { url: `http://127.0.0.1:${port}/v1/opamp`, counts: () => ({ messagesIn, agentsOnline: open, websocketsOpen: open }), close: () => closeHttp(http) };
}

async function startArtifacts(spec: Extract<TargetSpec, { kind: 'artifacts' }>): Promise<Running> {
  const server = await serveArtifacts({ store: createArtifactStore({ root: spec.root }), maxConcurrentDownloads: spec.maxConcurrentDownloads });
  return { url: server.url, counts: () => ({ messagesIn: 0, agentsOnline: 0, websocketsOpen: 0 }), close: () => server.close() };
}

/** The download baseline: the plainest correct file server Node offers. */
async function startHttpFile(spec: Extract<TargetSpec, { kind: 'http-file' }>): Promise<Running> {
  const http = createServer((req, res) => {
    const path = join(spec.root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    stat(path).then((info) => {
      // Content-Length, as any real file server sends (without it the body would be chunked).
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
      createReadStream(path).pipe(res);
    }, () => res.writeHead(404).end());
  });
  const port = await listen(http);
  return { url: `http://127.0.0.1:${port}`, counts: () => ({ messagesIn: 0, agentsOnline: 0, websocketsOpen: 0 }), close: () => closeHttp(http) };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sample(gc: boolean): TargetSample {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect !== undefined) {
    collect();
    collect();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return { cpuMicros: cpu.user + cpu.system, cpuUserMicros: cpu.user, rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, arrayBuffers: memory.arrayBuffers, ...(running?.counts() ?? { messagesIn: 0, agentsOnline: 0, websocketsOpen: 0 }) };
}

async function start(spec: TargetSpec): Promise<Running> {
  if (spec.kind === 'opamp') return startOpamp(spec);
  if (spec.kind === 'ws-echo') return startEcho();
  if (spec.kind === 'artifacts') return startArtifacts(spec);
  return startHttpFile(spec);
}

process.on('message', (message: ToTarget) => {
  const handle = async (): Promise<void> => {
    if (message.type === 'start') {
      running = await start(message.spec);
      tell({ type: 'ready', url: running.url });
    } else if (message.type === 'sample') tell({ type: 'sample', sample: sample(message.gc) });
    else {
      await running?.close();
      tell({ type: 'closed' });
      process.disconnect?.();
    }
  };
  handle().catch((error: unknown) => tell({ type: 'failed', message: (error as Error).stack ?? String(error) }));
});
process.on('disconnect', () => process.exit(0));
