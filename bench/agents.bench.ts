/**
 * Benchmark 1 — agents per process. Connects N simulated WebSocket agents (from worker
 * processes) to Ringmaster's OpAMP server running alone in its own process, and reads that
 * process: RSS and heap per agent after a forced GC (and the least-squares slope over the
 * sizes, which is what projects to 100,000 agents), the time to admit them all (every
 * agent online and both of its first messages answered), and the server CPU time per
 * admission (upgrade + first full report + the full report the server asks for again).
 *
 * Two status sizes: "idle" agents with a small description (~400 bytes on the wire) and
 * agents whose kept description is padded to 5 KB.
 */
import { fitLine, median, verdict } from './lib/fit.ts';
import { pollUntil, sleep } from './lib/poll.ts';
import { benchSize, bySize } from './lib/size.ts';
import { startTarget } from './lib/target-client.ts';
import { startFleet } from './fleet/fleet.ts';
import { summarize, type BenchMetric, type BenchResult } from './run.ts';

interface Point {
  agents: number;
  rssPerAgent: number;
  heapPerAgent: number;
  rssDelta: number;
  heapDelta: number;
  admitMs: number;
  cpuPerAdmissionUs: number;
}

const statusKinds = [{ name: 'idle', statusBytes: 400 }, { name: '5 KB status', statusBytes: 5 * 1024 }] as const;

/** One fresh server process, N agents, one reading. */
export async function measureAdmission(agents: number, statusBytes: number): Promise<Point> {
  const target = await startTarget({ kind: 'opamp', options: { maxConnections: 19_900, maxAgents: 200_000, heartbeatIntervalSeconds: 30 } });
  try {
    await sleep(200);
    const base = await target.sample({ gc: true });
    const started = performance.now();
    const fleet = await startFleet({ agents, endpoint: target.url.replace(/^http/, 'ws'), statusBytes, heartbeatMs: 30_000, agentsPerProcess: 5000, connectBatch: 200 });
    try {
      const admitted = await pollUntil(`${agents} agents admitted`, () => target.sample(), (s) => s.agentsOnline >= agents && s.messagesIn >= 2 * agents, 600_000);
      const admitMs = performance.now() - started;
      await sleep(500);
      const after = await target.sample({ gc: true });
      return {
        agents, admitMs,
        rssDelta: after.rss - base.rss, heapDelta: after.heapUsed - base.heapUsed,
        rssPerAgent: (after.rss - base.rss) / agents, heapPerAgent: (after.heapUsed - base.heapUsed) / agents,
        cpuPerAdmissionUs: (admitted.cpuMicros - base.cpuMicros) / agents,
      };
    } finally {
      await fleet.stop();
    }
  } finally {
    await target.close();
  }
}

export async function run(): Promise<BenchResult> {
  const size = benchSize();
  const sizes = bySize({ quick: [1000, 5000], default: [1000, 5000, 10_000], full: [1000, 5000, 10_000, 19_000] }, size);
  const runs = bySize({ quick: 1, default: 3, full: 3 }, size);
  const metrics: BenchMetric[] = [];
  const notes: string[] = [];
  const raw: Record<string, Point[]> = {};
  for (const kind of statusKinds) {
    const points: Point[] = [];
    for (const agents of sizes) {
      for (let i = 0; i < runs; i += 1) points.push(await measureAdmission(agents, kind.statusBytes));
      const these = points.filter((p) => p.agents === agents);
      const round = (pick: (p: Point) => number): number[] => these.map((p) => Math.round(pick(p)));
      metrics.push(
        summarize(`${kind.name} ${agents}: RSS per agent (bytes)`, 'count', round((p) => p.rssPerAgent)),
        summarize(`${kind.name} ${agents}: heap per agent (bytes)`, 'count', round((p) => p.heapPerAgent)),
        summarize(`${kind.name} ${agents}: time to admit all`, 'ms', these.map((p) => p.admitMs)),
        summarize(`${kind.name} ${agents}: server CPU per admission (µs)`, 'count', round((p) => p.cpuPerAdmissionUs)),
      );
    }
    raw[kind.name] = points;
    notes.push(...judge(kind.name, points, sizes));
  }
  const result: BenchResult & { size: string; points: Record<string, Point[]> } = { name: 'agents', runs, metrics, notes, size, points: raw };
  return result;
}

/** Slopes over the medians per size, and the verdicts against the targets. */
function judge(kind: string, points: Point[], sizes: readonly number[]): string[] {
  const at = (n: number, pick: (p: Point) => number): number => median(points.filter((p) => p.agents === n).map(pick));
  const rss = fitLine(sizes.map((n) => ({ x: n, y: at(n, (p) => p.rssDelta) })));
  const heap = fitLine(sizes.map((n) => ({ x: n, y: at(n, (p) => p.heapDelta) })));
  const cpu = median(points.map((p) => p.cpuPerAdmissionUs));
  const projected = (rss.intercept + rss.slope * 100_000) / 1024 ** 2;
  const rssTarget = kind === 'idle' ? 8 * 1024 : 16 * 1024;
  return [
    `${kind}: RSS slope ${(rss.slope / 1024).toFixed(1)} KiB/agent, heap slope ${(heap.slope / 1024).toFixed(1)} KiB/agent; 100,000 agents project to ${projected.toFixed(0)} MiB RSS above an empty server`,
    verdict(`${kind}: RSS slope per agent`, rss.slope / 1024, rssTarget / 1024, ' KiB'),
    ...(kind === 'idle' ? [verdict('idle: 100,000 agents projected RSS', projected, 1024, ' MiB'), verdict('server CPU per admission (plaintext)', cpu, 250, ' µs')] : []),
  ];
}
