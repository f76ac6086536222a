/**
 * The transport side of a simulated agent: one WebSocket, or HTTP polling. Both count what
 * they do in shared counters, and both can "flood": answer every reply with the next
 * message at once (a closed loop with one message in flight), which is how the throughput
 * benchmark saturates a server with the same client it uses against a bare echo server.
 */
import type { AgentToServer } from '../../src/opamp/messages.ts';
import type { SimAgent } from './sim-agent.ts';

/** What the links of one process count together. */
export interface LinkCounters {
  connected: number;
  connects: number;
  refused: number;
  errors: number;
  sent: number;
  received: number;
  bytesSent: number;
}

/** Closed-loop load: each reply is answered with a heartbeat or a full report at once. */
export type FloodMode = 'off' | 'heartbeat' | 'status';

/** Shared by every link in a process. */
export interface LinkContext {
  endpoint: string;
  token?: string;
  heartbeatMs: number;
  counters: LinkCounters;
  flood: FloodMode;
  random(): number;
}

/** One agent's connection. */
export interface Link {
  readonly agent: SimAgent;
  start(): void;
  send(message: AgentToServer): void;
  /** Sends the first flood message (the replies keep the loop going). */
  kickFlood(): void;
  /** Says goodbye (`agent_disconnect`) when `polite`, then closes for good. */
  stop(polite: boolean): Promise<void>;
}

/** Creates zeroed counters. */
export function newCounters(): LinkCounters {
  return { connected: 0, connects: 0, refused: 0, errors: 0, sent: 0, received: 0, bytesSent: 0 };
}

/** The message a flooding agent sends next. */
export function floodMessage(agent: SimAgent, mode: FloodMode): AgentToServer {
  return mode === 'status' ? agent.fullReport() : agent.heartbeat();
}

/** A reconnect delay: `Retry-After` when the server gave one, else 0.5–2.5 s with jitter. */
export function reconnectDelay(retryAfterSeconds: number | undefined, random: () => number): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) return retryAfterSeconds * 1000 * (1 + random() * 0.2);
  return 500 + random() * 2000;
}
