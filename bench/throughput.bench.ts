/**
 * Benchmark 2 — status throughput. The same simulated fleet floods (closed loop: every
 * reply is answered at once with the next message) first Ringmaster's OpAMP server and
 * then a bare `ws` echo server (same `ws` settings: no compression), each alone in its own
 * process, with 25-byte heartbeats and with 5 KB full reports. The figure is messages per
 * server CPU-second (user + system of the server process over a fixed window), so the
 * client's and other tenants' CPU use does not count; the ratio OpAMP / echo is what the
 * issue targets (≥ 0.8 heartbeats, ≥ 0.7 statuses). The OpAMP rate limit is raised for the
 * run (it would otherwise hold each agent to 10 messages per second, by design).
 */
import { median, verdict } from './lib/fit.ts';
import { waitAdmitted } from './lib/admission.ts';
import { sleep } from './lib/poll.ts';
import { benchSize, bySize } from './lib/size.ts';
import { startTarget } from './lib/target-client.ts';
import type { TargetSpec } from './lib/target-client.ts';
import { startFleet } from './fleet/fleet.ts';
import type { FloodMode } from './fleet/fleet.ts';
import { summarize, type BenchMetric, type BenchResult } from './run.ts';

/** Connections flooding at once (each with one message in flight), in two worker processes. */
const connections = 100;

interface Reading {
  perCpuSecond: number;
  perWallSecond: number;
  serverCpuShare: number;
}

/** One target process, one flood window. */
export async function measureFlood(spec: TargetSpec, mode: Exclude<FloodMode, 'off'>, windowMs: number): Promise<Reading> {
  const target = await startTarget(spec);
  try {
    const fleet = await startFleet({ agents: connections, agentsPerProcess: connections / 2, endpoint: target.url.replace(/^http/, 'ws'), statusBytes: 5 * 1024, heartbeatMs: 3_600_000 });
    try {
      await waitAdmitted(target, fleet, connections, 60_000);
      fleet.flood(mode);
      await sleep(Math.min(1000, windowMs / 2)); // warm-up: JIT, buffers
      const start = await target.sample();
      const wallStart = performance.now();
      await sleep(windowMs);
      const end = await target.sample();
      const wall = (performance.now() - wallStart) / 1000;
      fleet.flood('off');
      const cpu = (end.cpuMicros - start.cpuMicros) / 1e6;
      const messages = end.messagesIn - start.messagesIn;
      return { perCpuSecond: messages / cpu, perWallSecond: messages / wall, serverCpuShare: cpu / wall };
    } finally {
      await fleet.stop();
    }
  } finally {
    await target.close();
  }
}

const opamp: TargetSpec = { kind: 'opamp', options: { messagesPerSecond: 1_000_000, burst: 1_000_000, maxConnections: 19_900 } };
const echo: TargetSpec = { kind: 'ws-echo' };

export async function run(): Promise<BenchResult> {
  const size = benchSize();
  const runs = bySize({ quick: 2, default: 5, full: 7 }, size);
  const windowMs = bySize({ quick: 1500, default: 3000, full: 5000 }, size);
  const metrics: BenchMetric[] = [];
  const notes: string[] = [];
  const readings: Record<string, { opamp: Reading[]; echo: Reading[] }> = {};
  for (const mode of ['heartbeat', 'status'] as const) {
    const these = { opamp: [] as Reading[], echo: [] as Reading[] };
    // Interleaved, so a noisy neighbour hurts both sides of a pair alike.
    for (let i = 0; i < runs; i += 1) {
      these.echo.push(await measureFlood(echo, mode, windowMs));
      these.opamp.push(await measureFlood(opamp, mode, windowMs));
    }
    readings[mode] = these;
    const ratios = these.opamp.map((r, i) => r.perCpuSecond / these.echo[i]!.perCpuSecond);
    const label = mode === 'heartbeat' ? '25-byte heartbeats' : '5 KB statuses';
    metrics.push(
      summarize(`${label}: OpAMP messages per server CPU-second`, 'count', these.opamp.map((r) => Math.round(r.perCpuSecond))),
      summarize(`${label}: ws echo messages per server CPU-second`, 'count', these.echo.map((r) => Math.round(r.perCpuSecond))),
      summarize(`${label}: OpAMP / ws echo (per CPU-second)`, 'ratio', ratios),
      summarize(`${label}: OpAMP messages per wall second`, 'count', these.opamp.map((r) => Math.round(r.perWallSecond))),
      summarize(`${label}: ws echo messages per wall second`, 'count', these.echo.map((r) => Math.round(r.perWallSecond))),
    );
    notes.push(verdict(`${label}: OpAMP / echo per CPU-second`, median(ratios), mode === 'heartbeat' ? 0.8 : 0.7, '×', false));
    notes.push(`${label}: server CPU share during the window — OpAMP ${median(these.opamp.map((r) => r.serverCpuShare)).toFixed(2)} cores, echo ${median(these.echo.map((r) => r.serverCpuShare)).toFixed(2)} cores`);
  }
  notes.push(`${connections} WebSocket connections in 2 worker processes, one message in flight each; ${windowMs} ms windows after a warm-up; pairs interleaved (echo, then OpAMP)`);
  const result: BenchResult & { size: string; windowMs: number; readings: typeof readings } = { name: 'throughput', runs, metrics, notes, size, windowMs, readings };
  return result;
}
