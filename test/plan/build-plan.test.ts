/** `buildPlan` in process: which policies are planned, the warnings, and determinism. */
import { describe, expect, it } from 'vitest';
import type { InventoryAgent } from '../../src/controller/ports.ts';
import type { PolicyStatus } from '../../src/manifests/types.ts';
import { buildPlan, type PlanInputs } from '../../src/plan/build-plan.ts';
import { renderMarkdown } from '../../src/plan/render/markdown.ts';
import { renderText } from '../../src/plan/render/text.ts';
import { load, policyYaml, releaseYaml } from './manifest-text.ts';

const NOW = Date.parse('2026-11-21T10:00:00Z');

function agents(n: number): InventoryAgent[] {
  return Array.from({ length: n }, (_, i) => ({
    uid: `0193a0c0-0000-7000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
    attributes: { 'service.name': 'otelcol-custom', 'host.name': `h-${String(i + 1).padStart(2, '0')}`, ...(i < 2 ? { canary: 'true' } : {}) },
    platform: { os: 'linux', arch: i % 2 === 0 ? 'amd64' : 'arm64' },
    acceptsPackages: true,
    online: true,
    lastSeen: '2026-11-21T09:50:00Z',
    packages: { 'otelcol-custom': { version: '1.4.0', state: 'Installed' } },
    rings: {},
  }));
}

function inputs(base: Record<string, string>, head: Record<string, string>, extra: Partial<PlanInputs> = {}): PlanInputs {
  return {
    base: load(base, true),
    head: load(head, true),
    inventory: { agents: agents(10), source: 'test' },
    previous: {},
    now: NOW,
    ...extra,
  };
}

const R14 = { 'r/1.4.0.yaml': releaseYaml('1.4.0') };
const R15 = { 'r/1.5.0.yaml': releaseYaml('1.5.0') };

describe('which policies are planned', () => {
  it('an unchanged policy whose release changed in place is planned as changed', () => {
    const base = { ...R14, 'p.yaml': policyYaml('1.4.0') };
    const head = { 'r/1.4.0.yaml': releaseYaml('1.4.0', { digestSeed: 'rebuilt' }), 'p.yaml': policyYaml('1.4.0') };
    const report = buildPlan(inputs(base, head));
    expect(report.changes.map((c) => `${c.kind}:${c.change}`)).toEqual(['PackageRelease:changed']);
    expect(report.policies.map((p) => `${p.policy}:${p.change}`)).toEqual(['otelcol-custom:changed']);
  });

  it('a release added but used by no policy plans no rollout', () => {
    const report = buildPlan(inputs({ ...R14, 'p.yaml': policyYaml('1.4.0') }, { ...R14, ...R15, 'p.yaml': policyYaml('1.4.0') }));
    expect(report.changed).toBe(true);
    expect(report.policies).toEqual([]);
  });

  it('a removed policy is listed with where it was, and no rings', () => {
    const report = buildPlan(inputs({ ...R14, 'p.yaml': policyYaml('1.4.0') }, { ...R14 }));
    expect(report.policies).toEqual([expect.objectContaining({ policy: 'otelcol-custom', change: 'removed', from: { name: 'otelcol-custom-1.4.0', package: 'otelcol-custom', version: '1.4.0' }, rings: [] })]);
    expect(report.policies[0]?.to).toBeUndefined();
  });
});

describe('agents left out', () => {
  it('agents the policy selects but no ring takes are unassigned, with example hosts, in every format', () => {
    const rings = `
    - {name: canary, selector: {matchLabels: {canary: "true"}}, bake: 30m}`;
    const report = buildPlan(inputs({ ...R14, 'p.yaml': policyYaml('1.4.0') }, { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0', { rings }) }));
    const plan = report.policies[0];
    expect(plan?.rings.map((r) => r.agents)).toEqual([2]);
    expect(plan?.unassigned).toEqual({ agents: 8, exampleHosts: ['h-03', 'h-04', 'h-05', 'h-06', 'h-07'] });
    expect(renderMarkdown(report)).toContain('**Unassigned** (selected by the policy, by no ring; never upgraded): 8 agents, e.g. `h-03`, `h-04`, `h-05`, `h-06`, `h-07`');
    expect(renderText(report)).toContain('  unassigned: 8 agents (h-03, h-04, h-05, h-06, h-07)');
  });

  it('--example-hosts bounds the examples', () => {
    const report = buildPlan({ ...inputs({ ...R14, 'p.yaml': policyYaml('1.4.0') }, { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0') }), exampleHosts: 1 });
    expect(report.policies[0]?.rings.map((r) => r.exampleHosts)).toEqual([['h-01'], ['h-03']]);
  });
});

describe('warnings', () => {
  it('a policy selecting no agent says so once instead of once per ring', () => {
    const head = { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0', { selector: '{service.name: nobody}' }) };
    const report = buildPlan(inputs({ ...R14, 'p.yaml': policyYaml('1.4.0') }, head));
    expect(report.warnings.map((w) => w.code)).toEqual(['policy-selects-no-agent']);
  });

  it('an invalid base is reported, and head is still planned', () => {
    const base = { ...R14, 'p.yaml': policyYaml('1.4.0'), 'bad.yaml': 'kind: [' };
    const report = buildPlan(inputs(base, { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0') }));
    expect(report.warnings[0]?.code).toBe('base-invalid');
    expect(report.warnings[0]?.message).toContain('bad.yaml:');
    expect(report.policies).toHaveLength(1);
  });

  it('a finished rollout is not "restarted" by a new release; one in flight is', () => {
    const previous = (phase: PolicyStatus['phase']): Record<string, PolicyStatus> => ({
      'otelcol-custom': { specHash: 'x', phase, release: 'otelcol-custom-1.4.0', rings: [], conditions: [] },
    });
    const base = { ...R14, 'p.yaml': policyYaml('1.4.0') };
    const head = { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0') };
    expect(buildPlan(inputs(base, head, { previous: previous('Succeeded') })).warnings).toEqual([]);
    const inFlight = buildPlan(inputs(base, head, { previous: previous('Baking') })).warnings;
    expect(inFlight.map((w) => w.code)).toEqual(['rollout-restarted']);
    expect(inFlight[0]?.message).toBe('restarts the rollout in flight (otelcol-custom-1.4.0, Baking): spec.release changes from otelcol-custom-1.4.0 to otelcol-custom-1.5.0');
  });

  it('inserting a ring before the ring in flight sends that ring back', () => {
    const status: PolicyStatus = {
      specHash: 'x', phase: 'Progressing', release: 'otelcol-custom-1.5.0', currentRing: 'everyone', conditions: [],
      rings: [
        { name: 'canary', phase: 'Succeeded', counts: { targeted: 2, offered: 2, downloading: 0, installing: 0, installed: 2, healthy: 2, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 } },
        { name: 'everyone', phase: 'Progressing', counts: { targeted: 8, offered: 2, downloading: 0, installing: 0, installed: 0, healthy: 0, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 } },
      ],
    };
    const base = { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0') };
    const rings = `
    - {name: canary, selector: {matchLabels: {canary: "true"}}, bake: 30m}
    - {name: pilot, percent: 50, bake: 10m}
    - {name: everyone, bake: 1h}`;
    const report = buildPlan(inputs(base, { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0', { rings }) }, { previous: { 'otelcol-custom': status } }));
    expect(report.policies[0]?.rings.map((r) => `${r.name}:${r.phase}`)).toEqual(['canary:Succeeded', 'pilot:Progressing', 'everyone:Pending']);
    expect(report.warnings.map((w) => w.message)).toEqual([
      'sends rings of the rollout in flight (otelcol-custom-1.5.0, Progressing at ring everyone) back: everyone Progressing → Pending',
    ]);
  });
});

describe('tolerance', () => {
  it('a percent maxFailures that rounds to 0 agents on a small ring is flagged; a count of 0 is a choice', () => {
    const rings = `
    - {name: canary, selector: {matchLabels: {canary: "true"}}, maxFailures: "10%"}
    - {name: zero, percent: 50, maxFailures: 0}
    - {name: everyone, maxFailures: "25%"}`;
    const report = buildPlan(inputs({ ...R14, 'p.yaml': policyYaml('1.4.0') }, { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0', { rings }) }));
    expect(report.warnings.filter((w) => w.code === 'max-failures-rounds-to-zero').map((w) => w.message)).toEqual([
      'ring canary: maxFailures 10% of 2 agents rounds down to 0, so the first failure halts the ring; write a count (maxFailures: 1) if one failure is acceptable',
    ]);
  });
});

describe('determinism', () => {
  it('the same inputs in another order give the same report', () => {
    const base = { ...R14, 'p.yaml': policyYaml('1.4.0') };
    const head = { ...R14, ...R15, 'p.yaml': policyYaml('1.5.0') };
    const a = buildPlan(inputs(base, head));
    const shuffled = inputs(Object.fromEntries(Object.entries(base).reverse()), Object.fromEntries(Object.entries(head).reverse()));
    shuffled.inventory = { agents: [...agents(10)].reverse(), source: 'test' };
    expect(JSON.stringify(buildPlan(shuffled))).toBe(JSON.stringify(a));
  });
});
