/**
 * Benchmark 1 — agents per process. Connects N simulated WebSocket agents (from worker
 * processes) to Ringmaster's OpAMP server running alone in its own process, and reads that
 * process: RSS and heap per agent after a forced GC (and the least-squares slope over the
 * sizes, which is what projects to 100,000 agents), the time to admit them all (every
 * agent online and every message it sent answered), and the server CPU time per
 * admission (upgrade + first full report + the full report the server asks for again).
 *
 * Two status sizes: "idle" agents with a small description (~400 bytes on the wire) and
 * agents whose kept description is padded to 5 KB; each also once with V8's young
 * generation capped (`--max-semi-space-size=1`), the knob that decides most of the RSS;
 * and a bare `ws` echo server with the same fleet as the same-run baseline.
 */
import { fitLine, median, verdict } from './lib/fit.ts';
import { waitAdmitted } from './lib/admission.ts';
import { sleep } from './lib/poll.ts';
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

/** What is measured: the OpAMP server with default V8 flags, tuned, and the bare `ws` baseline. */
interface Variant {
  name: string;
  kind: 'opamp' | 'ws-echo';
  statusBytes: number;
  execArgv: string[];
  /** Runs per size, as a multiple of the size's run count (baselines run once). */
  once: boolean;
}

const variants: Variant[] = [
  { name: 'idle', kind: 'opamp', statusBytes: 400, execArgv: [], once: false },
  { name: '5 KB status', kind: 'opamp', statusBytes: 5 * 1024, execArgv: [], once: false },
  { name: 'idle, --max-semi-space-size=1', kind: 'opamp', statusBytes: 400, execArgv: ['--max-semi-space-size=1'], once: true },
  { name: '5 KB status, --max-semi-space-size=1', kind: 'opamp', statusBytes: 5 * 1024, execArgv: ['--max-semi-space-size=1'], once: true },
  { name: 'ws echo baseline', kind: 'ws-echo', statusBytes: 400, execArgv: [], once: true },
];

/** One fresh server process, N agents, one reading. */
export async function measureAdmission(agents: number, variant: Variant): Promise<Point> {
  const spec = variant.kind === 'opamp' ? { kind: 'opamp' as const, options: { maxConnections: 19_900, maxAgents: 200_000, heartbeatIntervalSeconds: 30 } } : { kind: 'ws-echo' as const };
  const target = await startTarget(spec, variant.execArgv);
  try {
    await sleep(200);
    const base = await target.sample({ gc: true });
    const started = performance.now();
    const fleet = await startFleet({ agents, endpoint: target.url.replace(/^http/, 'ws'), statusBytes: variant.statusBytes, heartbeatMs: 30_000, agentsPerProcess: 5000, connectBatch: 200 });
    try {
      const admitted = await waitAdmitted(target, fleet, agents, 600_000);
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
  const points: Record<string, Point[]> = {};
  for (const variant of variants) {
    const these: Point[] = [];
    for (const agents of sizes) {
      for (let i = 0; i < (variant.once ? 1 : runs); i += 1) these.push(await measureAdmission(agents, variant));
      const at = these.filter((p) => p.agents === agents);
      const round = (pick: (p: Point) => number): number[] => at.map((p) => Math.round(pick(p)));
      metrics.push(
        summarize(`${variant.name} ${agents}: RSS per agent (bytes)`, 'count', round((p) => p.rssPerAgent)),
        summarize(`${variant.name} ${agents}: heap per agent (bytes)`, 'count', round((p) => p.heapPerAgent)),
        summarize(`${variant.name} ${agents}: time to admit all`, 'ms', at.map((p) => p.admitMs)),
        summarize(`${variant.name} ${agents}: server CPU per admission (µs)`, 'count', round((p) => p.cpuPerAdmissionUs)),
      );
    }
    points[variant.name] = these;
    notes.push(...judge(variant, these, sizes));
  }
  const cpuRatio = median(points.idle!.map((p) => p.cpuPerAdmissionUs)) / median(points['ws echo baseline']!.map((p) => p.cpuPerAdmissionUs));
  notes.push(`server CPU per admission, OpAMP idle / ws echo: ${cpuRatio.toFixed(2)}× (the OpAMP server handles two messages per admission, the echo server one)`);
  const result: BenchResult & { size: string; points: Record<string, Point[]> } = { name: 'agents', runs, metrics, notes, size, points };
  return result;
}

/** Slopes over the medians per size, and the verdicts against the targets. */
function judge(variant: Variant, points: Point[], sizes: readonly number[]): string[] {
  const at = (n: number, pick: (p: Point) => number): number => median(points.filter((p) => p.agents === n).map(pick));
  const rss = fitLine(sizes.map((n) => ({ x: n, y: at(n, (p) => p.rssDelta) })));
  const heap = fitLine(sizes.map((n) => ({ x: n, y: at(n, (p) => p.heapDelta) })));
  const cpu = median(points.map((p) => p.cpuPerAdmissionUs));
  const projected = (rss.intercept + rss.slope * 100_000) / 1024 ** 2;
  const summary = `${variant.name}: RSS slope ${(rss.slope / 1024).toFixed(1)} KiB/agent, heap slope ${(heap.slope / 1024).toFixed(1)} KiB/agent; 100,000 agents project to ${projected.toFixed(0)} MiB RSS above an empty server`;
  if (variant.kind !== 'opamp') return [summary];
  const idle = variant.statusBytes < 1024;
  return [
    summary,
    verdict(`${variant.name}: RSS slope per agent`, rss.slope / 1024, idle ? 8 : 16, ' KiB'),
    ...(idle ? [verdict(`${variant.name}: 100,000 agents projected RSS`, projected, 1024, ' MiB'), verdict(`${variant.name}: server CPU per admission (plaintext)`, cpu, 250, ' µs')] : []),
  ];
}
