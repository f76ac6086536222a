/**
 * The fleet simulator: N agents speaking real OpAMP (WebSocket or HTTP) from worker
 * processes of at most `agentsPerProcess` agents each (one socket per agent; the open-file
 * limit is per process). Used by the benchmarks and the tests in test/bench/.
 *
 * ```ts
 * const fleet = await startFleet({ agents: 10_000, endpoint: 'ws://127.0.0.1:4320/v1/opamp' });
 * await fleet.waitFor((c) => c.connected === 10_000);
 * await fleet.stop();
 * ```
 */
import { fileURLToPath } from 'node:url';
import { forkChild } from '../lib/child.ts';
import type { Child } from '../lib/child.ts';
import { newCounters } from './link.ts';
import type { FloodMode, LinkCounters } from './link.ts';
import type { AgentBehaviour, FromWorker, Milestone, ToWorker } from './protocol.ts';

export type { AgentBehaviour, Milestone } from './protocol.ts';
export type { FloodMode, LinkCounters } from './link.ts';

/** Options of {@link startFleet}: the agent count, where to connect, and any behaviour to change. */
export type FleetOptions = Partial<AgentBehaviour> & Pick<AgentBehaviour, 'endpoint'> & {
  agents: number;
  /** Agents per worker process; at most 19,000 (each agent holds one socket). Default 5000. */
  agentsPerProcess?: number;
};

/** A running fleet. */
export interface Fleet {
  readonly agents: number;
  /** Counters summed over every worker. */
  counters(): Promise<LinkCounters>;
  /** Polls the counters until `done` holds; rejects after `timeoutMs` with the last counters. */
  waitFor(done: (counters: LinkCounters) => boolean, timeoutMs?: number): Promise<LinkCounters>;
  /** Starts (or stops, with `off`) closed-loop load on every agent. */
  flood(mode: FloodMode): void;
  /** Every milestone so far (offered / installed / failed), in arrival order. */
  readonly milestones: readonly Milestone[];
  /** Stops every agent (`polite`: with `agent_disconnect`) and waits for the workers to exit. Idempotent. */
  stop(polite?: boolean): Promise<void>;
}

/** Defaults: WebSocket, 30 s heartbeats, a small description, instant installs, real downloads. */
export const fleetDefaults: Omit<AgentBehaviour, 'endpoint'> = {
  transport: 'ws', heartbeatMs: 30_000, statusBytes: 400, installDelayMs: 0, failureRate: 0, download: 'real', downloadAttempts: 20, labels: {}, connectBatch: 100, seed: 1,
};

/** Largest number of agents one worker may hold (the per-process open-file limit is 20,000). */
export const maxAgentsPerProcess = 19_000;

const workerEntry = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Validates the options and forks the workers; agents start connecting at once. */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const behaviour = validate({ ...fleetDefaults, ...options });
  const perProcess = options.agentsPerProcess ?? 5000;
  if (!Number.isInteger(options.agents) || options.agents < 1) throw new RangeError(`agents must be a positive integer, got ${options.agents}`);
  if (!Number.isInteger(perProcess) || perProcess < 1 || perProcess > maxAgentsPerProcess) throw new RangeError(`agentsPerProcess must be 1–${maxAgentsPerProcess}, got ${perProcess}`);
  const workers: Child<ToWorker, FromWorker>[] = [];
  const milestones: Milestone[] = [];
  let stopping = false;
  let stopped: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  for (let first = 0; first < options.agents; first += perProcess) {
    const worker = forkChild<ToWorker, FromWorker>(workerEntry, ['--max-old-space-size=4096']);
    worker.on('milestones', (message) => void milestones.push(...message.events));
    worker.on('failed', (message) => void (failure ??= new Error(`fleet worker failed: ${message.message}`)));
    worker.process.once('exit', (code, signal) => {
      if (!stopping) failure ??= new Error(`fleet worker ${first / perProcess} exited unexpectedly (code ${String(code)}, signal ${String(signal)})`);
    });
    worker.send({ type: 'start', assignment: { ...behaviour, firstIndex: first, count: Math.min(perProcess, options.agents - first) } });
    workers.push(worker);
  }
  const counters = async (): Promise<LinkCounters> => {
    if (failure) throw failure;
    const replies = await Promise.all(workers.map((worker) => {
      const reply = worker.next('stats', 60_000);
      worker.send({ type: 'stats' });
      return reply;
    }));
    return replies.reduce((sum, { counters: c }) => sumCounters(sum, c), newCounters());
  };
  return {
    agents: options.agents,
    milestones,
    counters,
    async waitFor(done, timeoutMs = 300_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const now = await counters();
        if (done(now)) return now;
        if (Date.now() > deadline) throw new Error(`fleet condition not reached within ${timeoutMs} ms: ${JSON.stringify(now)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    flood: (mode) => workers.forEach((worker) => worker.send({ type: 'flood', mode })),
    stop(polite = false) {
      if (stopping) return stopped;
      stopping = true;
      stopped = Promise.all(workers.map(async (worker) => {
        const said = worker.next('stopped', 60_000).catch(() => undefined);
        worker.send({ type: 'stop', polite });
        await said;
        await worker.exited(10_000);
      })).then(() => undefined);
      return stopped;
    },
  };
}

function sumCounters(a: LinkCounters, b: LinkCounters): LinkCounters {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof LinkCounters)[]) out[key] += b[key];
  return out;
}

function validate(b: AgentBehaviour): AgentBehaviour {
  const fail = (what: string): never => {
    throw new RangeError(`fleet option ${what}`);
  };
  if (b.transport !== 'ws' && b.transport !== 'http') fail(`transport must be "ws" or "http", got ${JSON.stringify(b.transport)}`);
  if (!new RegExp(`^${b.transport}s?://`).test(b.endpoint)) fail(`endpoint must be a ${b.transport}:// or ${b.transport}s:// URL for transport "${b.transport}", got ${JSON.stringify(b.endpoint)}`);
  if (!(b.heartbeatMs >= 10)) fail(`heartbeatMs must be ≥ 10, got ${b.heartbeatMs}`);
  if (!(b.statusBytes >= 0)) fail(`statusBytes must be ≥ 0, got ${b.statusBytes}`);
  if (!(b.installDelayMs >= 0)) fail(`installDelayMs must be ≥ 0, got ${b.installDelayMs}`);
  if (!(b.failureRate >= 0 && b.failureRate <= 1)) fail(`failureRate must be within 0–1, got ${b.failureRate}`);
  if (b.download !== 'real' && b.download !== 'skip') fail(`download must be "real" or "skip", got ${JSON.stringify(b.download)}`);
  if (!(Number.isInteger(b.downloadAttempts) && b.downloadAttempts >= 1)) fail(`downloadAttempts must be a positive integer, got ${b.downloadAttempts}`);
  if (!(Number.isInteger(b.connectBatch) && b.connectBatch >= 1)) fail(`connectBatch must be a positive integer, got ${b.connectBatch}`);
  return b;
}
