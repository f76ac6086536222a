/**
 * The transport-independent half of the OpAMP client: builds each AgentToServer (rising
 * sequence numbers, sub-messages only when they changed since the last send on this
 * connection, everything when the server asks for `ReportFullState`) and digests each
 * ServerToAgent (uid echo check, error responses with retry info, new instance uid,
 * offers).
 */
import type { Logger } from 'pino';
import { encodeAgentToServer } from '../opamp/codec.ts';
import type { AgentDescription, AgentToServer, ComponentHealth, PackageStatuses, ServerToAgent } from '../opamp/messages.ts';
import { ServerErrorResponseType, ServerToAgentFlags } from '../opamp/messages.ts';
import { uuidToString } from '../opamp/uuid.ts';

/** What the agent reports; the session decides which parts go into a message. */
export interface AgentReport {
  agentDescription: AgentDescription;
  health?: ComponentHealth;
  packageStatuses?: PackageStatuses;
}

/** Hooks from the session into the agent. */
export interface OpampSessionOptions {
  capabilities: number;
  instanceUid: () => Uint8Array;
  report: () => AgentReport;
  /** The server assigned a new instance uid (`agent_identification`). */
  onNewInstanceUid: (uid: Uint8Array) => void;
  onMessage: (message: ServerToAgent) => void;
  logger: Logger;
}

/** What the transport should do after a reply. */
export interface ReplyOutcome {
  /** Send another message right away (the server wants the full state). */
  sendNow: boolean;
  /** The server is overloaded: reconnect later — after `retryAfterMs` when it said, else with backoff. */
  unavailable?: { retryAfterMs?: number };
}

/** Message building and reply handling shared by both transports. */
export interface OpampSession {
  /** Starts a new connection: the next message carries the full state. */
  resetConnection(): void;
  /** The next message to send (consumes a sequence number). */
  nextMessage(extra?: Partial<AgentToServer>): AgentToServer;
  encodeNext(extra?: Partial<AgentToServer>): Uint8Array;
  handleReply(message: ServerToAgent): ReplyOutcome;
}

type ReportKey = keyof AgentReport;
const REPORT_KEYS: readonly ReportKey[] = ['agentDescription', 'health', 'packageStatuses'];

/** Creates the session state for one agent (kept across reconnects: sequence numbers continue). */
export function createOpampSession(options: OpampSessionOptions): OpampSession {
  let sequenceNum = 0;
  const lastSent = new Map<ReportKey, Buffer>();

  const nextMessage = (extra: Partial<AgentToServer> = {}): AgentToServer => {
    const message: AgentToServer = { instanceUid: options.instanceUid(), sequenceNum, capabilities: options.capabilities, ...extra };
    sequenceNum += 1;
    const report = options.report();
    for (const key of REPORT_KEYS) {
      const value = report[key];
      if (value === undefined) continue;
      // Compare encoded bytes: exact protobuf equality, independent of object identity.
      const bytes = Buffer.from(encodeAgentToServer({ [key]: value }));
      if (lastSent.get(key)?.equals(bytes)) continue;
      lastSent.set(key, bytes);
      Object.assign(message, { [key]: value });
    }
    return message;
  };

  return {
    resetConnection: () => lastSent.clear(),
    nextMessage,
    encodeNext: (extra) => encodeAgentToServer(nextMessage(extra)),
    handleReply(message) {
      const expected = options.instanceUid();
      if (message.instanceUid && !sameBytes(message.instanceUid, expected)) {
        options.logger.warn({ got: safeUuid(message.instanceUid) }, 'ignoring a reply addressed to another instance uid');
        return { sendNow: false };
      }
      if (message.errorResponse) return handleError(message, options.logger);
      const newUid = message.agentIdentification?.newInstanceUid;
      let sendNow = false;
      if (newUid && newUid.length === 16 && !sameBytes(newUid, expected)) {
        options.logger.info({ uid: uuidToString(newUid) }, 'server assigned a new instance uid');
        options.onNewInstanceUid(new Uint8Array(newUid));
        sendNow = true;
      }
      if (((message.flags ?? 0) & ServerToAgentFlags.ReportFullState) !== 0) {
        lastSent.clear();
        sendNow = true;
      }
      options.onMessage(message);
      return { sendNow };
    },
  };
}

function handleError(message: ServerToAgent, logger: Logger): ReplyOutcome {
  const error = message.errorResponse ?? {};
  const retryNs = error.retryInfo?.retryAfterNanoseconds;
  if (error.type === ServerErrorResponseType.Unavailable) {
    logger.warn({ error: error.errorMessage, retryAfterNs: retryNs }, 'server unavailable');
    return { sendNow: false, unavailable: retryNs === undefined ? {} : { retryAfterMs: Math.ceil(retryNs / 1e6) } };
  }
  // BadRequest (and Unknown): the server refused this message; do not resend it.
  logger.error({ error: error.errorMessage, type: error.type }, 'server rejected a message');
  return { sendNow: false };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function safeUuid(bytes: Uint8Array): string {
  try {
    return uuidToString(bytes);
  } catch {
    return Buffer.from(bytes).toString('hex');
  }
}

/** Parses an HTTP `Retry-After` (seconds or an HTTP date) into ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
