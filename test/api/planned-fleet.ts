/**
 * A rollout driven by the REAL planner (`planRollout`) for the operators' view tests: a
 * fleet of simulated agents that act on their offers (download → install → installed,
 * or fail with an error), re-planned after every step with the previous statuses, just
 * as the controller does. Statuses, memberships and events all come from the planner.
 */
import type { PackageRelease, PolicyStatus, RolloutPolicy, RolloutPolicySpec } from '../../src/manifests/types.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import type { AgentObservation, AgentOffer, PolicyMembership } from '../../src/rollout/types.ts';
import { describeAgentChanges } from '../../src/api/agent-events.ts';
import { createEventLog, type EventLog } from '../../src/api/event-log.ts';
import type { OperatorView, PolicyView } from '../../src/api/view.ts';

export const POLICY = 'otelcol-custom';
export const PKG = 'otelcol-custom';
export const FAILURE = 'exit status 1: config invalid';
const STEP_MS = 5_000;

export interface PlannedFleet {
  view: OperatorView;
  log: EventLog;
  /** One step: agents act on their offers, time moves on, the planner runs again. */
  tick(): void;
  /** Ticks until `done()` holds (at most `max` steps); throws when it never does. */
  runUntil(done: () => boolean, max?: number): void;
  approve(ring: string): void;
  /** Adds agent number `i` (reporting the old version) without planning. */
  join(i: number): void;
  /** The agents chosen to fail their install (see `failIn`). */
  failing: string[];
  status(): PolicyStatus | undefined;
  agents: AgentObservation[];
  now(): number;
}

export function uidOf(i: number): string {
  return `0190a1b2-c3d4-7e5f-8a9b-${i.toString(16).padStart(12, '0')}`;
}

function release(version: string): PackageRelease {
  const digest = (arch: string): string => (version.replace(/\D/g, '') + arch).padEnd(64, 'a').slice(0, 64).replace(/[^0-9a-f]/g, 'b');
  return {
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'PackageRelease', metadata: { name: `${PKG}-${version}` },
    spec: { package: PKG, type: 'TopLevel', version, artifacts: [{ os: 'linux', arch: 'amd64', url: `packages/${PKG}/${version}/linux-amd64/${PKG}`, sha256: digest('amd64') }] },
  };
}

/** Agent i: the first 5 are canaries; every 17th is arm64 (no artifact: incompatible). */
function makeAgent(i: number, now: number): AgentObservation {
  return {
    uid: uidOf(i), online: true, lastSeen: now, acceptsPackages: true,
    attributes: { 'service.name': 'otelcol-custom', 'host.name': `host-${i}`, ...(i < 5 ? { canary: 'true' } : {}) },
    platform: { os: 'linux', arch: i % 17 === 16 ? 'arm64' : 'amd64' },
    health: { healthy: true, since: now - 3_600_000 },
    packages: { [PKG]: { name: PKG, hasVersion: '1.4.0', hasHash: 'a1'.repeat(16), state: 'Installed', since: now - 3_600_000 } },
  };
}

/**
 * `failIn`: the first `count` agents (by uid) the planner puts in `ring` fail their install
 * with `FAILURE`. `start`: the clock's start (epoch ms).
 */
export function createPlannedFleet(opts: { size: number; failIn?: { ring: string; count: number }; start?: number }): PlannedFleet {
  const releases = [release('1.4.0'), release('1.5.0')];
  const spec: RolloutPolicySpec = {
    release: `${PKG}-1.5.0`,
    selector: { matchLabels: { 'service.name': 'otelcol-custom' } },
    rings: [
      { name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '30s', maxFailures: 1 },
      { name: 'early', percent: 30, bake: '30s', maxFailures: '20%' },
      { name: 'everyone', percent: 100, requireApproval: true, maxFailures: '10%' },
    ],
    strategy: { maxConcurrent: 4, installTimeout: '10m', healthyFor: '10s', onFailure: 'pause' },
    approvals: [],
  };
  const failing = new Set<string>();
  let now = opts.start ?? Date.parse('2026-11-21T09:00:00Z');
  const agents = Array.from({ length: opts.size }, (_, i) => makeAgent(i, now));
  const log = createEventLog({ capacity: 50_000 });
  let previous: Record<string, PolicyStatus> = {};
  let membership: PolicyMembership[] = [];
  let offers = new Map<string, AgentOffer>();

  const policy = (): RolloutPolicy => ({ apiVersion: 'ringmaster.dev/v1alpha1', kind: 'RolloutPolicy', metadata: { name: POLICY }, spec: structuredClone(spec) });
  const plan = (): void => {
    const result = planRollout({ policies: [policy()], releases, agents, previous, now, revision: 'r1' });
    for (const e of result.events) log.append({ at: e.at, kind: 'rollout', policy: e.policy, reason: e.reason, message: e.message, type: e.type, ...(e.ring ? { ring: e.ring } : {}) });
    for (const e of describeAgentChanges(membership, result.membership, now)) log.append(e);
    previous = result.statuses;
    membership = result.membership;
    offers = new Map(result.offers.map((o) => [o.uid, o]));
  };
  const tick = (): void => {
    now += STEP_MS;
    for (const agent of agents) actOnOffer(agent, offers.get(agent.uid), failing.has(agent.uid), now);
    plan();
  };
  plan();
  if (opts.failIn) {
    const { ring, count } = opts.failIn;
    const inRing = Object.entries(membership[0]?.agents ?? {}).filter(([, p]) => p.ring === ring).map(([uid]) => uid).sort();
    for (const uid of inRing.slice(0, count)) failing.add(uid);
  }
  const view: OperatorView = {
    policies: (): PolicyView[] => [{
      name: POLICY, file: 'policies/otelcol-custom.yaml', release: spec.release, package: PKG, spec: structuredClone(spec),
      ...(previous[POLICY] ? { status: structuredClone(previous[POLICY]) } : {}),
      ...(membership[0] ? { membership: structuredClone(membership[0]) } : {}),
    }],
    agents: () => agents.map((a) => structuredClone(a)),
    onEvent: (l) => log.onEvent(l),
    recentEvents: (limit) => log.recentEvents(limit),
  };
  return {
    view, log, tick, agents, now: () => now, failing: [...failing],
    join: (i) => void agents.push(makeAgent(i, now)),
    status: () => previous[POLICY],
    runUntil(done, max = 200) {
      for (let i = 0; i < max && !done(); i++) tick();
      if (!done()) throw new Error(`rollout did not reach the expected state in ${max} steps; phase ${previous[POLICY]?.phase}`);
    },
    approve(ring) {
      spec.approvals = [...(spec.approvals ?? []), ring];
      plan();
    },
  };
}

/** A simulated agent's next report: one step further with the offered package, or nothing new. */
function actOnOffer(agent: AgentObservation, offer: AgentOffer | undefined, fails: boolean, now: number): void {
  const wanted = offer?.packages[PKG];
  const pkg = agent.packages[PKG];
  if (!wanted?.file || !pkg || pkg.hasHash === wanted.hash) return;
  agent.lastSeen = now;
  if (pkg.offeredHash !== wanted.hash) {
    agent.delivered = { [PKG]: { hash: wanted.hash, at: now } };
    agent.packages[PKG] = { ...pkg, offeredHash: wanted.hash, offeredVersion: wanted.version, state: 'Downloading', since: now };
  } else if (pkg.state === 'Downloading') {
    agent.packages[PKG] = { ...pkg, state: 'Installing', since: now };
  } else if (pkg.state === 'Installing' && fails) {
    agent.packages[PKG] = { ...pkg, state: 'InstallFailed', error: FAILURE, since: now };
  } else if (pkg.state === 'Installing') {
    agent.packages[PKG] = { name: PKG, hasVersion: wanted.version, hasHash: wanted.hash, offeredHash: wanted.hash, offeredVersion: wanted.version, state: 'Installed', since: now };
    agent.health = { healthy: true, since: now };
  }
}
