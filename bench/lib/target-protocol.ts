/**
 * Messages between a benchmark and its target process (the server under test, or a
 * baseline). The target runs alone in its process so its CPU time and memory can be read
 * without the load generator's.
 */
import type { OpampServerOptions } from '../../src/opamp/server.ts';

export type TargetSpec =
  | { kind: 'opamp'; options: Omit<OpampServerOptions, 'logger' | 'clock'> }
  | { kind: 'ws-echo' }
  | { kind: 'artifacts'; root: string; maxConcurrentDownloads: number }
  | { kind: 'http-file'; root: string };

/** A reading of the target process. */
export interface TargetSample {
  /** User + system CPU time since the process started, µs. */
  cpuMicros: number;
  /** The user-mode part of it, µs (the rest is kernel time: syscalls, loopback TCP). */
  cpuUserMicros: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Messages the server received (OpAMP: `stats().messagesIn`; echo: frames echoed). */
  messagesIn: number;
  agentsOnline: number;
  websocketsOpen: number;
}

export type ToTarget = { type: 'start'; spec: TargetSpec } | { type: 'sample'; gc: boolean } | { type: 'close' };

export type FromTarget =
  | { type: 'ready'; url: string }
  | { type: 'sample'; sample: TargetSample }
  | { type: 'closed' }
  | { type: 'failed'; message: string };
