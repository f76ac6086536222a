/**
 * OpAMP over plain HTTP (spec: "Plain HTTP Transport"): one POST of
 * `application/x-protobuf` at a time, every heartbeat interval or sooner when something
 * changed; 503/429 with `Retry-After` and `retry_info` honoured; backoff with jitter on
 * failures. Each request is a fresh "connection" after a failure: it carries the full state.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { decodeServerToAgent } from '../opamp/codec.ts';
import type { AgentToServer } from '../opamp/messages.ts';
import { createBackoff } from './backoff.ts';
import { describeError } from './errors.ts';
import { parseRetryAfter, type ReplyOutcome } from './opamp-session.ts';
import { authHeaders, type OpampTransport, type TransportOptions } from './transport.ts';

const CONTENT_TYPE = 'application/x-protobuf';

/** Creates an HTTP polling transport; nothing is sent before `start()`. */
export function createHttpTransport(options: TransportOptions): OpampTransport {
  const { session, logger } = options;
  const backoff = createBackoff({ ...options.reconnect, ...(options.random ? { random: options.random } : {}) });
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let again = false;
  let healthy = false;
  let stopping = false;

  const schedule = (delay: number): void => {
    if (stopping) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void poll(), delay);
  };

  const exchange = async (extra: Partial<AgentToServer> = {}): Promise<ReplyOutcome> => {
    if (!healthy) session.resetConnection();
    const { status, headers, body } = await post(options, session.encodeNext(extra));
    if (status === 200) return session.handleReply(decodeServerToAgent(body));
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    if (status === 503 || status === 429) return { sendNow: false, unavailable: retryAfterMs === undefined ? {} : { retryAfterMs } };
    throw new Error(`OpAMP server answered HTTP ${status}${status === 401 ? ' (check server.token)' : ''}`);
  };

  const poll = async (): Promise<void> => {
    timer = undefined;
    if (inFlight) {
      again = true;
      return;
    }
    let next = options.heartbeatMs;
    inFlight = exchange().then(
      (outcome) => {
        if (outcome.unavailable) {
          healthy = false;
          next = outcome.unavailable.retryAfterMs ?? backoff.next();
          return;
        }
        healthy = true;
        backoff.reset();
        if (outcome.sendNow || again) next = 0;
      },
      (err: unknown) => {
        healthy = false;
        next = backoff.next();
        logger.warn({ err: describeError(err), retryInMs: next }, 'OpAMP request failed');
      },
    );
    await inFlight;
    inFlight = undefined;
    again = false;
    schedule(next);
  };

  return {
    start() {
      stopping = false;
      schedule(0);
    },
    kick() {
      if (inFlight) again = true;
      else if (healthy) schedule(0);
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (inFlight) await inFlight;
      if (!healthy) return;
      await exchange({ agentDisconnect: {} }).catch((err: unknown) => logger.debug({ err: describeError(err) }, 'agent_disconnect not delivered'));
    },
    get connected() {
      return healthy;
    },
  };
}

interface HttpReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Uint8Array;
}

function post(options: TransportOptions, body: Uint8Array): Promise<HttpReply> {
  const url = new URL(options.endpoint);
  const client = url.protocol === 'https:' ? https : http;
  const headers = { 'content-type': CONTENT_TYPE, 'content-length': String(body.byteLength), 'accept-encoding': 'gzip', ...authHeaders(options.token) };
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', headers, timeout: 30_000, ...(options.ca === undefined ? {} : { ca: options.ca }) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxMessageBytes) res.destroy(new Error(`reply larger than ${options.maxMessageBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          const decoded = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw, { maxOutputLength: options.maxMessageBytes }) : raw;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: decoded });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('OpAMP request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
