/**
 * A small real HTTP file server for the agent tests: 200 with Content-Length, Range
 * requests answered with 206, every request recorded, and a switchable fault that cuts
 * the connection after some bytes (to prove resumption).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface FileServer {
  url: (path: string) => string;
  put: (path: string, body: Buffer) => void;
  /** The next GET of `path` ends after `bytes` bytes (connection destroyed). */
  cutNext: (path: string, bytes: number) => void;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, Buffer>();
  const cuts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push({ path, headers: req.headers });
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const slice = body.subarray(start);
    const headers: http.OutgoingHttpHeaders = { 'content-length': slice.length, 'accept-ranges': 'bytes' };
    if (range) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    res.writeHead(range ? 206 : 200, headers);
    const cut = cuts.get(path);
    if (cut === undefined) {
      res.end(slice);
      return;
    }
    cuts.delete(path);
    // Give the client time to read the bytes: a reset can discard data not yet read.
    res.write(slice.subarray(0, cut), () => setTimeout(() => res.destroy(), 200));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    put: (path, body) => void files.set(path, body),
    cutNext: (path, bytes) => void cuts.set(path, bytes),
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
