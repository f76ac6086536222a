/**
 * Plans a 100,000-agent fleet with 3 policies (bench/fleet.ts) several times and reports
 * the median and spread of wall time and memory, next to a same-run baseline: one pass
 * that only hashes every (policy, uid) pair and builds one object per agent — the floor
 * any planner with deterministic hash membership pays. The ratio plan/baseline is what to
 * compare across machines; absolute times depend on the machine and its load. CPU time
 * (process.cpuUsage, user + system) is reported next to wall time because the benchmark
 * machine is shared: wall time includes waiting for a core, CPU time does not (it does
 * include GC work, which runs partly on helper threads — an upper bound).
 */
import { positioner } from '../src/rollout/bucket.ts';
import { planRollout } from '../src/rollout/plan.ts';
import type { PlanInput } from '../src/rollout/types.ts';
import { benchInput } from './fleet.ts';
import { summarize, type BenchResult } from './run.ts';

const AGENTS = 100_000;
const RUNS = 7;

/** The floor: one SHA-256 per (policy, agent) and one small object per agent. */
function baseline(input: PlanInput): unknown[] {
  const out: unknown[] = new Array(input.agents.length);
  const positions = input.policies.map((policy) => positioner(policy.metadata.name));
  for (let i = 0; i < input.agents.length; i++) {
    const agent = input.agents[i]!;
    let sum = 0;
    for (const position of positions) sum += position(agent.uid);
    out[i] = { uid: agent.uid, sum };
  }
  return out;
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function measure<T>(work: () => T): { ms: number; cpu: number; grew: number; retained: number; result: T } {
  collect();
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(cpuStart);
  const cpu = (used.user + used.system) / 1000;
  const ms = performance.now() - start;
  const grew = process.memoryUsage().heapUsed - before;
  collect();
  const retained = process.memoryUsage().heapUsed - before;
  return { ms, cpu, grew, retained, result };
}

export async function run(): Promise<BenchResult> {
  const input = benchInput(AGENTS);
  measure(() => planRollout(input)); // warm-up: JIT and the Intl/semver caches
  const samples = { plan: [] as number[], planCpu: [] as number[], base: [] as number[], baseCpu: [] as number[], ratio: [] as number[], grew: [] as number[], retained: [] as number[], offers: 0 };
  for (let i = 0; i < RUNS; i++) {
    const base = measure(() => baseline(input));
    const plan = measure(() => planRollout(input));
    samples.base.push(base.ms);
    samples.plan.push(plan.ms);
    samples.planCpu.push(plan.cpu);
    samples.baseCpu.push(base.cpu);
    samples.ratio.push(plan.cpu / base.cpu);
    samples.grew.push(plan.grew);
    samples.retained.push(plan.retained);
    samples.offers = plan.result.offers.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    name: 'planner',
    runs: RUNS,
    metrics: [
      summarize('planRollout CPU time', 'ms', samples.planCpu),
      summarize('planRollout wall time', 'ms', samples.plan),
      summarize('baseline CPU time (hash + 1 object/agent)', 'ms', samples.baseCpu),
      summarize('baseline wall time', 'ms', samples.base),
      summarize('planRollout / baseline (CPU)', 'ratio', samples.ratio),
      summarize('heap growth during plan (no GC forced)', 'bytes', samples.grew),
      summarize('heap retained by the plan result', 'bytes', samples.retained),
    ],
    notes: [`${AGENTS} agents × ${input.policies.length} policies, ${samples.offers} offers per plan; heap measured with --expose-gc (gc before each run)`],
  };
}
