/**
 * Messages between the rollout benchmark and the process running the full server.
 */

/** What the benchmark reads from the server. */
export interface ServeReading {
  /** The controller loaded a good revision. */
  ready: boolean;
  /** The controller is still in its post-start warm-up (phases do not move yet). */
  warmingUp: boolean;
  revision?: string;
  agentsOnline: number;
  /** Phase of the benchmark policy's status, when written. */
  phase?: string;
  cpuMicros: number;
  rss: number;
}

export type ToServe = { type: 'start'; flags: Record<string, string>; env: Record<string, string> } | { type: 'read' } | { type: 'close' };

export type FromServe = { type: 'ready'; url: string } | { type: 'read'; reading: ServeReading } | { type: 'closed' } | { type: 'failed'; message: string };
