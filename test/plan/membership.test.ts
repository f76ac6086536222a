/**
 * One code path: the rings `ringmaster plan` shows are the rings the controller uses. The
 * controller's own pieces run here — `planRollout` on its fleet view, and `buildInventory`,
 * which writes the `status/inventory.json` the plan later reads — and the plan's ring table
 * must match the controller's membership and its first offers exactly.
 */
import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/controller/inventory.ts';
import { loadManifests } from '../../src/manifests/load.ts';
import { buildPlan } from '../../src/plan/build-plan.ts';
import { planRollout } from '../../src/rollout/plan.ts';
import type { AgentObservation } from '../../src/rollout/types.ts';
import { releaseYaml } from './manifest-text.ts';

const NOW = Date.parse('2026-11-21T10:00:00Z');

function policy(version: string, maxConcurrent: string): string {
  return `apiVersion: ringmaster.dev/v1alpha1
kind: RolloutPolicy
metadata: {name: otelcol-custom}
spec:
  release: otelcol-custom-${version}
  selector: {matchLabels: {service.name: otelcol-custom}}
  rings:
    - {name: canary, selector: {matchLabels: {canary: "true"}}, bake: 30m}
    - {name: early, percent: 20, bake: 1h}
    - {name: prod, selector: {matchLabels: {env: prod}}, percent: 50, bake: 2h}
    - {name: everyone, requireApproval: true}
  strategy: {maxConcurrent: "${maxConcurrent}"}
`;
}

// The controller's fleet view: 120 agents, some canaries, some offline, one without AcceptsPackages.
function fleet(): AgentObservation[] {
  return Array.from({ length: 120 }, (_, i) => {
    const n = i + 1;
    const arch = n % 3 === 0 ? 'arm64' : 'amd64';
    return {
      uid: `0193a0c0-0000-7000-8000-${n.toString(16).padStart(12, '0')}`,
      attributes: {
        'service.name': 'otelcol-custom', 'host.name': `node-${String(n).padStart(3, '0')}`, 'os.type': 'linux', 'host.arch': arch,
        env: n % 4 === 0 ? 'dev' : 'prod', ...(n % 17 === 0 ? { canary: 'true' } : {}),
      },
      acceptsPackages: n !== 50 && n !== 51, // node-051 is a canary that cannot take packages
      platform: { os: 'linux', arch },
      online: n % 29 !== 0 && n !== 34, // node-034 is an offline canary
      lastSeen: NOW - 60_000,
      health: { healthy: true, since: NOW - 3_600_000 },
      packages: { 'otelcol-custom': { name: 'otelcol-custom', hasVersion: '1.4.0', hasHash: 'ab'.repeat(32), state: 'Installed', since: NOW - 86_400_000 } },
    };
  });
}

function manifests(version: string, maxConcurrent: string) {
  const set = loadManifests([
    { path: 'releases/1.4.0.yaml', content: releaseYaml('1.4.0') },
    { path: 'releases/1.5.0.yaml', content: releaseYaml('1.5.0') },
    { path: 'policies/otelcol-custom.yaml', content: policy(version, maxConcurrent) },
  ]);
  expect(set.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return set;
}

function controllerAndPlan(maxConcurrent: string) {
  const agents = fleet();
  const head = manifests('1.5.0', maxConcurrent);
  const controller = planRollout({ policies: head.policies, releases: head.releases, agents, previous: {}, now: NOW });
  const inventory = buildInventory(agents, controller.membership, NOW);
  const report = buildPlan({
    base: manifests('1.4.0', maxConcurrent), head, previous: {}, now: NOW,
    inventory: { agents: inventory.agents, source: 'status/inventory.json' },
  });
  const offeredTarget = controller.offers
    .filter((o) => o.packages['otelcol-custom']?.release === 'otelcol-custom-1.5.0')
    .map((o) => o.uid)
    .sort();
  return { controller, report, offeredTarget, agents };
}

describe('plan membership equals the controller', () => {
  it('every ring holds exactly the agents the controller placed in it', () => {
    const { controller, report } = controllerAndPlan('25%');
    const placed = controller.membership.find((m) => m.policy === 'otelcol-custom')?.agents ?? {};
    const rings = report.policies[0]?.rings ?? [];
    expect(rings.map((r) => r.name)).toEqual(['canary', 'early', 'prod', 'everyone']);
    for (const ring of rings) {
      const want = Object.entries(placed).filter(([, p]) => p.ring === ring.name).map(([uid]) => uid).sort();
      expect(ring.uids).toEqual(want);
    }
    // Every ring is non-trivial, so the comparison above means something.
    expect(rings.every((r) => r.agents > 0)).toBe(true);
  });

  it('with maxConcurrent 100%, the first ring is exactly the set of agents offered the target', () => {
    const { report, offeredTarget, agents } = controllerAndPlan('100%');
    const canary = report.policies[0]?.rings[0];
    const eligible = (canary?.uids ?? []).filter((uid) => {
      const a = agents.find((x) => x.uid === uid);
      return a?.online && a.acceptsPackages;
    });
    expect(offeredTarget.length).toBeGreaterThan(0);
    expect(eligible.length).toBe((canary?.uids.length ?? 0) - 2);
    expect(offeredTarget).toEqual(eligible);
    expect(canary?.offeredNow).toBe(offeredTarget.length);
  });

  it('with maxConcurrent 25%, the first batch is a subset of the first ring and its size is shown', () => {
    const { report, offeredTarget } = controllerAndPlan('25%');
    const canary = report.policies[0]?.rings[0];
    expect(offeredTarget.every((uid) => canary?.uids.includes(uid))).toBe(true);
    expect(canary?.offeredNow).toBe(offeredTarget.length);
    expect(canary?.offeredNow).toBe(canary?.gates.maxConcurrentAgents);
  });
});
