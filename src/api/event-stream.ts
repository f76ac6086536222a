import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OperatorEvent, OperatorView } from './view.ts';

/** Limits of one Server-Sent Events stream; every one is explicit. */
export interface EventStreamOptions {
  /** Agent changes within this window are sent as one `agents` event. Default 250 ms. */
  coalesceMs: number;
  /** A comment line is sent this often so proxies keep the stream open. Default 15 s. */
  heartbeatMs: number;
  /** How many recent events a `Last-Event-ID` resume may replay. Default 1000. */
  replayLimit: number;
  /** A client this far behind (bytes queued) is cut off; it resumes with `Last-Event-ID`. Default 1 MiB. */
  maxBufferedBytes: number;
  /** The reconnect delay the browser is told to use. Default 2000 ms. */
  retryMs: number;
  /** How many agent events an `agents` batch carries verbatim. Default 20. */
  sampleSize: number;
}

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = {
  coalesceMs: 250, heartbeatMs: 15_000, replayLimit: 1000, maxBufferedBytes: 1 << 20, retryMs: 2000, sampleSize: 20,
};

/** The payload of an `agents` event: many agent changes folded into counts. */
export interface AgentBatch {
  count: number;
  firstId: number;
  lastId: number;
  /** Epoch ms of the newest change. */
  at: number;
  /** New state → how many agents reached it. */
  byState: Record<string, number>;
  /** Policy → how many of its agents changed. */
  byPolicy: Record<string, number>;
  /** The first changes, verbatim. */
  sample: OperatorEvent[];
}

/**
 * Streams the view's events as SSE. Rollout events go out one by one (`event: rollout`);
 * agent events are folded into one `event: agents` per `coalesceMs`, so a burst of 10,000
 * agent changes costs a browser a few messages. Ids stay increasing: a pending batch is
 * flushed before any rollout event. With `lastEventId`, missed events are replayed from
 * the recent buffer first; when the buffer no longer reaches back that far (or the server
 * restarted), `event: reset` tells the client to reload its state. Returns when the stream
 * is set up; it ends when the client goes away.
 */
export function serveEventStream(
  req: IncomingMessage, res: ServerResponse, view: OperatorView, options: EventStreamOptions, lastEventId: number | undefined,
  onClose: () => void = () => {},
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const stream = createCoalescingWriter(res, options);
  stream.write(`retry: ${options.retryMs}\n\n`);
  if (lastEventId !== undefined) replay(view, options, lastEventId, stream);
  stream.flush();
  const unsubscribe = view.onEvent((e) => stream.push(e, false));
  const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), options.heartbeatMs);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    stream.close();
    onClose();
  };
  req.on('close', close);
  res.on('close', close);
}

interface CoalescingWriter {
  write(text: string): void;
  /** Agent events are batched (sent by a timer, or at once when `immediate`); others flush the batch and go out. */
  push(event: OperatorEvent, immediate: boolean): void;
  flush(): void;
  close(): void;
}

function createCoalescingWriter(res: ServerResponse, options: EventStreamOptions): CoalescingWriter {
  let pending: AgentBatch | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const write = (text: string): void => {
    if (closed) return;
    res.write(text);
    if (res.writableLength > options.maxBufferedBytes) res.destroy();
  };
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending) write(frame(pending.lastId, 'agents', pending));
    pending = undefined;
  };
  return {
    write, flush,
    push(event, immediate) {
      if (event.kind !== 'agent') {
        flush();
        write(frame(event.id, 'rollout', event));
        return;
      }
      pending = addToBatch(pending, event, options.sampleSize);
      if (!immediate && !timer) timer = setTimeout(flush, options.coalesceMs);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

function replay(view: OperatorView, options: EventStreamOptions, lastEventId: number, stream: CoalescingWriter): void {
  const recent = view.recentEvents(options.replayLimit);
  const newest = recent[recent.length - 1]?.id ?? 0;
  const oldest = recent[0]?.id ?? 1;
  if (lastEventId > newest || oldest > lastEventId + 1) {
    stream.write(frame(newest, 'reset', { reason: lastEventId > newest ? 'server restarted' : 'missed events are no longer buffered' }));
    return;
  }
  for (const e of recent) if (e.id > lastEventId) stream.push(e, true);
}

function addToBatch(batch: AgentBatch | undefined, e: OperatorEvent, sampleSize: number): AgentBatch {
  const b = batch ?? { count: 0, firstId: e.id, lastId: e.id, at: e.at, byState: {}, byPolicy: {}, sample: [] };
  b.count += 1;
  b.lastId = e.id;
  b.at = e.at;
  b.byState[e.reason] = (b.byState[e.reason] ?? 0) + 1;
  if (e.policy !== undefined) b.byPolicy[e.policy] = (b.byPolicy[e.policy] ?? 0) + 1;
  if (b.sample.length < sampleSize) b.sample.push(e);
  return b;
}

function frame(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Parses a `Last-Event-ID` value; anything but a non-negative integer counts as absent. */
export function parseLastEventId(raw: string | string[] | null | undefined): number | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && value !== null && /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}
