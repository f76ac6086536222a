/**
 * Plans a 100,000-agent fleet with 3 policies (bench/fleet.ts) several times and reports
 * the median and spread of wall time and memory, next to a same-run baseline: one pass
 * that only hashes every (policy, uid) pair and builds one object per agent — the floor
 * any planner with deterministic hash membership pays. The ratio plan/baseline is what to
 * compare across machines; absolute times depend on the machine and its load. CPU time
 * (process.cpuUsage, user + system) is reported next to wall time because the benchmark
 * machine is shared: wall time includes waiting for a core, CPU time does not (it does
 * include GC work, which runs partly on helper threads — an upper bound).
 *
 * The fleet: 100,000 agents on two platforms, three policies (a top-level collector
 * mid-rollout, an addon on its first rollout, a second addon already completed), with
 * agents spread over every progress state, some offline, some not accepting packages.
 */
import type { PackageRelease, PolicyStatus, RolloutPolicy } from '../src/manifests/types.ts';
import { clearMembershipMemo, positioner } from '../src/rollout/bucket.ts';
import { planRollout } from '../src/rollout/plan.ts';
import { buildReleaseOffers } from '../src/rollout/release-offers.ts';
import type { AgentObservation, PlanInput } from '../src/rollout/types.ts';
import { summarize, type BenchResult } from './run.ts';

const AGENTS = 100_000;
const RUNS = 7;

/**
 * The floor: one SHA-256 per (policy, agent) and one small object per agent. It starts
 * from an empty membership memo, so it always pays every hash (and leaves the memo warm
 * for the plan measured right after it, as a controller's repeated plans find it).
 */
function baseline(input: PlanInput): unknown[] {
  clearMembershipMemo();
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
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    clearMembershipMemo(); // a first plan after a start: every membership hash computed
    cold.push(measure(() => planRollout(input)).cpu);
  }
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
      summarize('planRollout CPU time, first plan (no positions remembered)', 'ms', cold),
      summarize('planRollout CPU time, repeated plan (positions remembered)', 'ms', samples.planCpu),
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

// ---------------------------------------------------------------------------------------
// The synthetic fleet.

const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;

function release(pkg: string, version: string, type: 'TopLevel' | 'Addon'): PackageRelease {
  return {
    apiVersion: 'ringmaster.dev/v1alpha1',
    kind: 'PackageRelease',
    metadata: { name: `${pkg}-${version}` },
    spec: {
      package: pkg,
      type,
      version,
      artifacts: ['amd64', 'arm64'].map((arch) => ({ os: 'linux', arch, url: `packages/${pkg}/${version}/linux-${arch}/${pkg}`, sha256: `${version.replaceAll('.', '')}${arch}`.padEnd(64, '0'), signature: 'c2lnbmF0dXJl' })),
    },
  };
}

function policy(name: string, target: string): RolloutPolicy {
  return {
    apiVersion: 'ringmaster.dev/v1alpha1',
    kind: 'RolloutPolicy',
    metadata: { name },
    spec: {
      release: target,
      selector: { matchLabels: { 'service.name': 'otelcol' } },
      rings: [
        { name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '30m' },
        { name: 'early', percent: 10, bake: '2h', maxFailures: '2%' },
        { name: 'everyone', percent: 100, requireApproval: true },
      ],
      strategy: { maxConcurrent: '25%', installTimeout: '15m', healthyFor: '60s' },
      approvals: ['everyone'],
    },
  };
}

/** Builds the whole plan input for `count` agents. */
export function benchInput(count = 100_000): PlanInput {
  const core14 = release('otelcol', '1.4.0', 'TopLevel');
  const core15 = release('otelcol', '1.5.0', 'TopLevel');
  const addonA = release('filelog-addon', '0.2.0', 'Addon');
  const addonB1 = release('metrics-addon', '1.0.0', 'Addon');
  const releases = [core14, core15, addonA, addonB1];
  const hashes = new Map(releases.map((rel) => [rel, buildReleaseOffers(rel)]));
  const hash = (rel: PackageRelease, arch: string): string => hashes.get(rel)!.byPlatform.get(`linux/${arch}`)!.hash;
  const agents: AgentObservation[] = [];
  for (let i = 0; i < count; i++) {
    const arch = i % 3 === 0 ? 'arm64' : 'amd64';
    const uid = `0190a6c2-${(i >>> 16).toString(16).padStart(4, '0')}-7${(i & 0xfff).toString(16).padStart(3, '0')}-8000-${i.toString(16).padStart(12, '0')}`;
    const attributes: Record<string, string> = { 'service.name': 'otelcol', 'host.name': `host-${i}`, 'os.type': 'linux', 'host.arch': arch, env: i % 2 ? 'prod' : 'dev' };
    if (i % 100 === 0) attributes.canary = 'true';
    const onCore15 = i % 100 === 0 || i % 7 === 1;
    const core = onCore15 ? core15 : core14;
    const state = i % 7 === 1 && i % 11 === 0 ? 'Installing' : 'Installed';
    agents.push({
      uid, attributes, acceptsPackages: i % 997 !== 0, platform: { os: 'linux', arch }, online: i % 53 !== 0, lastSeen: NOW,
      health: { healthy: i % 211 !== 0, since: NOW - 2 * HOUR },
      packages: {
        otelcol: { name: 'otelcol', hasVersion: core.spec.version, hasHash: hash(core, arch), offeredHash: hash(core, arch), state, since: NOW - HOUR },
        'metrics-addon': { name: 'metrics-addon', hasVersion: '1.0.0', hasHash: hash(addonB1, arch), state: 'Installed', since: NOW - 5 * HOUR },
      },
      delivered: { otelcol: { hash: hash(core, arch), at: NOW - HOUR } },
    });
  }
  const policies = [policy('otelcol', core15.metadata.name), policy('filelog-addon', addonA.metadata.name), policy('metrics-addon', addonB1.metadata.name)];
  const previous = previousStatuses(core14, addonB1);
  return { policies, releases, agents, previous, now: NOW, revision: 'bench' };
}

/** The collector policy resumes with canary succeeded; the metrics addon completed earlier. */
function previousStatuses(core14: PackageRelease, addonB1: PackageRelease): Record<string, PolicyStatus> {
  const counts = { targeted: 0, offered: 0, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 };
  const at = (ms: number): string => new Date(ms).toISOString();
  return {
    otelcol: {
      specHash: 'x', phase: 'Progressing', release: 'otelcol-1.5.0', stableRelease: core14.metadata.name, startedAt: at(NOW - 4 * HOUR), conditions: [],
      rings: [
        { name: 'canary', phase: 'Succeeded', startedAt: at(NOW - 4 * HOUR), succeededAt: at(NOW - 3 * HOUR), bakeUntil: at(NOW - 2.5 * HOUR), counts },
        { name: 'early', phase: 'Progressing', startedAt: at(NOW - 2.5 * HOUR), counts },
        { name: 'everyone', phase: 'Pending', counts },
      ],
    },
    'metrics-addon': {
      specHash: 'x', phase: 'Succeeded', release: addonB1.metadata.name, stableRelease: addonB1.metadata.name, startedAt: at(NOW - 30 * HOUR), conditions: [],
      rings: ['canary', 'early', 'everyone'].map((name) => ({ name, phase: 'Succeeded' as const, startedAt: at(NOW - 30 * HOUR), succeededAt: at(NOW - 29 * HOUR), counts })),
    },
  };
}
