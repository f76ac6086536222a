import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** A real HTTP server on 127.0.0.1:<ephemeral> that asks the handlers in order, 404 otherwise. */
export async function serveOnLoopback(handlers: Handler[]): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    for (const h of handlers) if (h(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** One parsed Server-Sent Event. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** Reads an SSE response body incrementally; `next(pred)` waits for a matching frame. */
export function readSse(body: ReadableStream<Uint8Array>) {
  const frames: SseFrame[] = [];
  const waiters: Array<() => void> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  const reader = body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          frames.push(parseFrame(buffer.slice(0, cut)));
          buffer = buffer.slice(cut + 2);
        }
        for (const w of waiters.splice(0)) w();
      }
    } catch {
      // aborted by the test
    }
    done = true;
    for (const w of waiters.splice(0)) w();
  })();
  const waitFor = async (pred: (frames: SseFrame[]) => boolean, timeoutMs = 15_000): Promise<SseFrame[]> => {
    const deadline = Date.now() + timeoutMs;
    while (!pred(frames)) {
      if (done) throw new Error(`stream ended; frames so far: ${JSON.stringify(frames)}`);
      if (Date.now() > deadline) throw new Error(`timed out; frames so far: ${JSON.stringify(frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
    return frames;
  };
  return { frames, waitFor, cancel: () => reader.cancel().catch(() => {}), isDone: () => done };
}

function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const m = /^(id|event|data): ?(.*)$/.exec(line);
    if (m) frame[m[1] as 'id' | 'event' | 'data'] = m[2] ?? '';
  }
  return frame;
}
