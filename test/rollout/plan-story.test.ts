/**
 * One rollout told from start to finish, the way an operator lives it: canary, bake,
 * a paced early ring with one tolerated failure, an approval, and completion. Every step
 * feeds the previous status back, as the controller does.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyStatus, Ring } from '../../src/manifests/types.ts';
import { summarizeTransition } from '../../src/rollout/summary.ts';
import type { AgentObservation, PlanResult } from '../../src/rollout/types.ts';
import { agent, completed, fleet, MIN, offeredVersions, plan, PKG, policy, release, T0, withInstalled, withOffered } from './fixtures.ts';

const r14 = release('1.4.0');
const r15 = release('1.5.0');
const releases = [r14, r15];
const rings: Ring[] = [
  { name: 'canary', selector: { matchLabels: { canary: 'true' } }, bake: '30m' },
  { name: 'early', selector: { matchLabels: { env: 'early' } }, maxFailures: 1 },
  { name: 'everyone', requireApproval: true },
];
const spec = (approvals: string[] = []) => policy(r15.metadata.name, rings, { approvals, strategy: { maxConcurrent: 2, healthyFor: '1m', installTimeout: '10m' } });

/** Agents that take whatever target offer they hold and report it installed at `at`. */
function installOffered(agents: AgentObservation[], result: PlanResult, at: number, fail: string[] = []): AgentObservation[] {
  const offers = offeredVersions(result);
  return agents.map((a) => {
    const current = a.packages[PKG];
    if (offers[a.uid] !== '1.5.0' || current?.hasVersion === '1.5.0' || current?.state === 'InstallFailed') return a;
    if (fail.includes(a.uid)) return withOffered(a, r15, 'InstallFailed', at, { error: 'collector exited 1' });
    return withInstalled(a, r15, at);
  });
}

describe('a rollout from canary to everyone', () => {
  it('moves ring by ring and tells the story', () => {
    let agents = [...fleet('canary', 2, { canary: 'true' }), ...fleet('early', 4, { env: 'early' }), ...fleet('late', 3)].map((a) => withInstalled(a, r14, T0 - 60 * MIN));
    let previous: Record<string, PolicyStatus> = completed(r14, [{ name: 'all' }]);
    const story: string[] = [];
    const step = (now: number, approvals: string[] = []): PlanResult => {
      const result = plan({ policies: [spec(approvals)], releases, agents, previous, now });
      story.push(summarizeTransition(previous[PKG], result.statuses[PKG]!, PKG));
      previous = result.statuses as Record<string, PolicyStatus>;
      return result;
    };

    let result = step(T0);
    expect(offeredVersions(result)).toMatchObject({ 'canary-000': '1.5.0', 'canary-001': '1.5.0', 'early-000': '1.4.0', 'late-000': '1.4.0' });
    agents = installOffered(agents, result, T0 + MIN);
    result = step(T0 + MIN + 30_000);
    expect(result.statuses[PKG]!.phase).toBe('Progressing');
    expect(result.wakeAt[PKG]).toBe(T0 + 2 * MIN);
    result = step(T0 + 3 * MIN);
    expect(result.statuses[PKG]).toMatchObject({ phase: 'Baking', currentRing: 'canary' });
    expect(result.wakeAt[PKG]).toBe(T0 + 33 * MIN);
    result = step(T0 + 33 * MIN);
    expect(result.statuses[PKG]).toMatchObject({ phase: 'Progressing', currentRing: 'early' });
    expect(result.statuses[PKG]!.rings[1]!.counts.offered).toBe(2);
    agents = installOffered(agents, result, T0 + 34 * MIN, ['early-000']);
    result = step(T0 + 35 * MIN);
    expect(result.statuses[PKG]!.rings[1]!.counts).toMatchObject({ failed: 1, offered: 4, installed: 1 });
    agents = installOffered(agents, result, T0 + 36 * MIN);
    result = step(T0 + 38 * MIN);
    expect(result.statuses[PKG]).toMatchObject({ phase: 'WaitingApproval', currentRing: 'everyone' });
    expect(offeredVersions(result)['late-000']).toBe('1.4.0');
    result = step(T0 + 60 * MIN, ['everyone']);
    expect(offeredVersions(result)).toMatchObject({ 'late-000': '1.5.0', 'late-001': '1.5.0', 'late-002': '1.4.0' });
    agents = installOffered(agents, result, T0 + 61 * MIN);
    result = step(T0 + 63 * MIN, ['everyone']);
    agents = installOffered(agents, result, T0 + 64 * MIN);
    result = step(T0 + 66 * MIN, ['everyone']);
    expect(result.statuses[PKG]).toMatchObject({ phase: 'Succeeded', stableRelease: r15.metadata.name });
    expect(result.statuses[PKG]!.history![0]).toMatchObject({ release: r14.metadata.name, phase: 'Succeeded' });

    expect(story).toEqual([
      `${PKG}: rollout of ${r15.metadata.name} started (was ${r14.metadata.name}), progressing`,
      `${PKG}: ring canary: 0/2 healthy`,
      `${PKG}: ring canary succeeded (2/2 healthy), baking until 2026-11-21T09:33:00Z`,
      `${PKG}: ring canary succeeded (2/2 healthy)`,
      `${PKG}: ring early: 1/4 healthy, 1 failed`,
      `${PKG}: ring early succeeded (3/4 healthy, 1 failed)`,
      `${PKG}: ring everyone progressing (0/3 healthy)`,
      `${PKG}: ring everyone: 2/3 healthy`,
      `${PKG}: ring everyone succeeded (3/3 healthy)`,
    ]);
  });

  it('a late joiner of the finished canary ring gets the target at once, unpaced', () => {
    const agents = [withInstalled(agent('canary-a', { canary: 'true' }), r15, T0 - 60 * MIN), ...fleet('early', 2, { env: 'early' })];
    const first = plan({ policies: [spec()], releases, agents, previous: completed(r14, [{ name: 'all' }]), now: T0 });
    expect(first.statuses[PKG]!.rings[0]!.phase).toBe('Baking');
    const joined = [...agents, ...fleet('canary-new', 3, { canary: 'true' })];
    const later = plan({ policies: [spec()], releases, agents: joined, previous: first.statuses as Record<string, PolicyStatus>, now: T0 + 31 * MIN });
    expect(later.statuses[PKG]!.rings[0]!.phase).toBe('Succeeded');
    expect(offeredVersions(later)).toMatchObject({ 'canary-new-000': '1.5.0', 'canary-new-001': '1.5.0', 'canary-new-002': '1.5.0' });
  });
});
