/**
 * The messages between the fleet (parent) and its worker processes, over the Node IPC
 * channel. Milestones are batched: one IPC message per 100 ms, not one per agent.
 */
import type { FloodMode, LinkCounters } from './link.ts';

/** How each simulated agent behaves. Every field is explicit; `fleet.ts` fills defaults. */
export interface AgentBehaviour {
  /** `ws://…/v1/opamp` or `http://…/v1/opamp`. */
  endpoint: string;
  transport: 'ws' | 'http';
  token?: string;
  /** WebSocket heartbeat / HTTP poll interval. */
  heartbeatMs: number;
  /** Size of the full report (description padded with attributes), bytes. */
  statusBytes: number;
  /** Simulated install time after the download. */
  installDelayMs: number;
  /** Fraction of installs that fail (0–1), drawn from a seeded PRNG. */
  failureRate: number;
  /** `real`: GET the offered file and check its SHA-256; `skip`: pretend it arrived. */
  download: 'real' | 'skip';
  /** Tries per download; 503/429 answers are retried after `Retry-After`. */
  downloadAttempts: number;
  /** Attributes every agent reports (e.g. ring labels). */
  labels: Record<string, string>;
  /** Agents started per 10 ms tick, so a large fleet does not overflow the listen backlog. */
  connectBatch: number;
  /** Seed of the uids and of the failure PRNG (same seed, same fleet). */
  seed: number;
}

/** One worker's share of the fleet. */
export interface WorkerAssignment extends AgentBehaviour {
  firstIndex: number;
  count: number;
}

/** A milestone: [fleet index, what, package, epoch ms with sub-ms precision]. */
export type Milestone = [number, 'offered' | 'installed' | 'failed', string, number];

export type ToWorker =
  | { type: 'start'; assignment: WorkerAssignment }
  | { type: 'flood'; mode: FloodMode }
  | { type: 'stats' }
  | { type: 'stop'; polite: boolean };

export type FromWorker =
  | { type: 'stats'; counters: LinkCounters }
  | { type: 'milestones'; events: Milestone[] }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
