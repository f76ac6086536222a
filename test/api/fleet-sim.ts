/**
 * A simulated rollout for the operators' view tests: a fleet whose agents advance one
 * state per tick through the rings of one policy, with statuses, memberships and events
 * shaped exactly as the controller produces them. (Stand-in until the planner lands.)
 */
import type { PolicyStatus, RingPhase, RolloutPolicySpec } from '../../src/manifests/types.ts';
import type { AgentObservation, AgentPlacement, AgentRolloutState, PolicyMembership } from '../../src/rollout/types.ts';
import { describeAgentChanges } from '../../src/api/agent-events.ts';
import { createEventLog, type EventLog } from '../../src/api/event-log.ts';
import type { OperatorView, PolicyView } from '../../src/api/view.ts';

export const POLICY = 'otelcol-custom';
const DEFAULT_START = Date.parse('2026-11-21T09:00:00Z');
const NEXT: Partial<Record<AgentRolloutState, AgentRolloutState>> = { pending: 'offered', offered: 'downloading', downloading: 'installing', installing: 'healthy' };

export interface FleetSim {
  view: OperatorView;
  log: EventLog;
  /** Advances every in-flight agent of the open ring by one state (and the ring machine). */
  tick(): void;
  approve(ring: string): void;
  /** Adds an agent that reports nothing yet (a late joiner). */
  join(uid: string): void;
  agents: AgentObservation[];
  now(): number;
}

export function uidOf(i: number): string {
  return `0190a1b2-c3d4-7e5f-8a9b-${i.toString(16).padStart(12, '0')}`;
}

export function createFleetSim(opts: { size: number; failing?: number[]; maxConcurrent?: number; start?: number }): FleetSim {
  const T0 = opts.start ?? DEFAULT_START;
  const spec: RolloutPolicySpec = {
    release: 'otelcol-custom-1.5.0',
    selector: { matchLabels: { 'service.name': 'otelcol-custom' } },
    rings: [
      { name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '30s', maxFailures: 1 },
      { name: 'early', percent: 30, bake: '30s', maxFailures: '10%' },
      { name: 'everyone', percent: 100, requireApproval: true },
    ],
    strategy: { maxConcurrent: opts.maxConcurrent ?? 4, onFailure: 'pause' },
    approvals: [],
  };
  const failing = new Set((opts.failing ?? []).map(uidOf));
  const agents: AgentObservation[] = [];
  const placements: Record<string, AgentPlacement> = {};
  const log = createEventLog({ capacity: 50_000 });
  let now = T0;
  const ringPhase: Record<string, RingPhase> = { canary: 'Progressing', early: 'Pending', everyone: 'Pending' };
  const bakeUntil: Record<string, number> = {};
  let previous: PolicyMembership[] = [];

  const ringFor = (i: number): string => (i < 5 ? 'canary' : i % 10 < 3 ? 'early' : 'everyone');
  const addAgent = (uid: string, i: number): void => {
    agents.push({
      uid, online: true, lastSeen: now, acceptsPackages: i % 17 !== 16,
      attributes: { 'service.name': 'otelcol-custom', 'host.name': `host-${i}`, ...(i < 5 ? { canary: 'true' } : {}) },
      platform: { os: 'linux', arch: 'amd64' },
      health: { healthy: true, since: T0 },
      packages: { 'otelcol-custom': { name: 'otelcol-custom', hasVersion: '1.4.0', hasHash: 'aa', state: 'Installed', since: T0 } },
    });
    placements[uid] = { ring: ringFor(i), state: i % 17 === 16 ? 'incompatible' : 'pending' };
  };
  for (let i = 0; i < opts.size; i++) addAgent(uidOf(i), i);

  const membership = (): PolicyMembership => ({ policy: POLICY, agents: structuredClone(placements) });
  const status = (): PolicyStatus => {
    const rings = spec.rings.map((r) => {
      const mine = Object.values(placements).filter((p) => p.ring === r.name);
      const n = (s: AgentRolloutState[]): number => mine.filter((p) => s.includes(p.state)).length;
      const until = bakeUntil[r.name];
      return {
        name: r.name, phase: ringPhase[r.name] ?? 'Pending',
        ...(until !== undefined ? { bakeUntil: new Date(until).toISOString() } : {}),
        counts: {
          targeted: mine.length, offered: n(['offered']), downloading: n(['downloading']), installing: n(['installing']),
          installed: n(['healthy', 'installed']), healthy: n(['healthy']), failed: n(['failed']), timedOut: 0,
          offline: n(['offline']), incompatible: n(['incompatible']), waiting: n(['waiting']),
        },
      };
    });
    const current = spec.rings.find((r) => ringPhase[r.name] !== 'Succeeded')?.name;
    const phase = current === undefined ? 'Succeeded' : ringPhase[current] === 'WaitingApproval' ? 'WaitingApproval' : ringPhase[current] === 'Baking' ? 'Baking' : ringPhase[current] === 'Paused' ? 'Paused' : 'Progressing';
    return { specHash: 'h', phase, release: spec.release, stableRelease: 'otelcol-custom-1.4.0', ...(current ? { currentRing: current } : {}), rings, conditions: [] };
  };
  const rollout = (ring: string, reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal'): void => {
    log.append({ at: now, kind: 'rollout', policy: POLICY, ring, reason, message, type });
  };

  const advanceRing = (ring: string): void => {
    const mine = Object.entries(placements).filter(([, p]) => p.ring === ring);
    let inFlight = mine.filter(([, p]) => ['offered', 'downloading', 'installing'].includes(p.state)).length;
    for (const [uid, p] of mine) {
      const next = NEXT[p.state];
      if (!next) continue;
      if (p.state === 'pending') {
        if (inFlight >= (opts.maxConcurrent ?? 4)) continue;
        inFlight += 1;
      }
      if (next === 'healthy' && failing.has(uid)) {
        placements[uid] = { ring, state: 'failed', reason: 'install failed: exit status 1: config invalid' };
        const pkg = agents.find((a) => a.uid === uid)?.packages['otelcol-custom'];
        if (pkg) Object.assign(pkg, { state: 'InstallFailed', error: 'exit status 1: config invalid' });
      } else {
        placements[uid] = { ring, state: next };
        if (next === 'healthy') {
          const pkg = agents.find((a) => a.uid === uid)?.packages['otelcol-custom'];
          if (pkg) Object.assign(pkg, { hasVersion: '1.5.0', hasHash: 'bb', state: 'Installed' });
        }
      }
    }
    const done = mine.every(([uid]) => ['healthy', 'failed', 'incompatible'].includes(placements[uid]?.state ?? ''));
    if (done) {
      ringPhase[ring] = 'Baking';
      bakeUntil[ring] = now + 30_000;
      rollout(ring, 'RingBaking', `ring ${ring} installed, baking for 30s`);
    }
  };

  const openNext = (after: string): void => {
    const idx = spec.rings.findIndex((r) => r.name === after);
    const next = spec.rings[idx + 1];
    if (!next) return rollout(after, 'Completed', 'rollout completed');
    if (next.requireApproval && !spec.approvals?.includes(next.name)) {
      ringPhase[next.name] = 'WaitingApproval';
      return rollout(next.name, 'WaitingApproval', `ring ${next.name} needs approval: add it to spec.approvals`);
    }
    ringPhase[next.name] = 'Progressing';
    rollout(next.name, 'RingStarted', `ring ${next.name} started`);
  };

  const tick = (): void => {
    now += 10_000;
    for (const r of spec.rings) {
      const phase = ringPhase[r.name];
      if (phase === 'Progressing') advanceRing(r.name);
      else if (phase === 'Baking' && now >= (bakeUntil[r.name] ?? 0)) {
        ringPhase[r.name] = 'Succeeded';
        rollout(r.name, 'RingSucceeded', `ring ${r.name} succeeded`);
        openNext(r.name);
      }
    }
    const next = [membership()];
    for (const e of describeAgentChanges(previous, next, now)) log.append(e);
    previous = next;
  };

  const view: OperatorView = {
    policies: (): PolicyView[] => [{ name: POLICY, file: 'policies/otelcol-custom.yaml', release: spec.release, package: 'otelcol-custom', spec: structuredClone(spec), status: status(), membership: membership() }],
    agents: () => agents.map((a) => structuredClone(a)),
    onEvent: (l) => log.onEvent(l),
    recentEvents: (limit) => log.recentEvents(limit),
  };
  rollout('canary', 'RolloutStarted', `rollout of ${spec.release} started`);
  previous = [membership()];
  return {
    view, log, tick, agents, now: () => now,
    approve(ring) {
      spec.approvals = [...(spec.approvals ?? []), ring];
      if (ringPhase[ring] === 'WaitingApproval') {
        ringPhase[ring] = 'Progressing';
        rollout(ring, 'Approved', `ring ${ring} approved`);
      }
    },
    join(uid) {
      addAgent(uid, agents.length);
    },
  };
}
