/**
 * Drift guard between the TypeScript contract (src/manifests/types.ts) and the JSON Schemas:
 * every field of a type is a property of its schema node and the other way round. The
 * `Record<keyof T, true>` tables fail to compile when a field is added to a type, and the
 * assertions fail when the schema does not follow.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  Artifact,
  Condition,
  HistoryEntry,
  LabelSelector,
  MaintenanceWindow,
  PackageReleaseSpec,
  PackageRequirement,
  PolicyStatus,
  Ring,
  RingCounts,
  RingStatus,
  RolloutPolicySpec,
  RolloutStrategy,
  SelectorRequirement,
} from '../../src/manifests/types.ts';
import { validatePolicyStatus } from '../../src/manifests/validate-status.ts';

type Schema = { properties?: Record<string, Schema>; items?: Schema };
const read = (name: string): Schema => JSON.parse(readFileSync(new URL(`../../schemas/${name}.schema.json`, import.meta.url), 'utf8')) as Schema;
const release = read('packagerelease');
const policy = read('rolloutpolicy');
const status = read('rolloutpolicystatus');

function at(schema: Schema, ...path: string[]): string[] {
  let node: Schema | undefined = schema;
  for (const step of path) node = step === '[]' ? node?.items : node?.properties?.[step];
  return Object.keys(node?.properties ?? {}).sort();
}

const keys = <T>(table: Record<keyof T, true>): string[] => Object.keys(table).sort();

describe('schemas follow the TypeScript contract', () => {
  it.each([
    ['PackageReleaseSpec', at(release, 'spec'), keys<PackageReleaseSpec>({ package: true, type: true, version: true, artifacts: true, requires: true, metadata: true })],
    ['Artifact', at(release, 'spec', 'artifacts', '[]'), keys<Artifact>({ os: true, arch: true, url: true, sha256: true, signature: true, size: true })],
    ['PackageRequirement', at(release, 'spec', 'requires', '[]'), keys<PackageRequirement>({ package: true, range: true })],
    ['RolloutPolicySpec', at(policy, 'spec'), keys<RolloutPolicySpec>({ release: true, selector: true, rings: true, strategy: true, paused: true, approvals: true, abort: true, windows: true })],
    ['LabelSelector', at(policy, 'spec', 'selector'), keys<LabelSelector>({ matchLabels: true, matchExpressions: true })],
    ['SelectorRequirement', at(policy, 'spec', 'selector', 'matchExpressions', '[]'), keys<SelectorRequirement>({ key: true, operator: true, values: true })],
    ['Ring', at(policy, 'spec', 'rings', '[]'), keys<Ring>({ name: true, selector: true, percent: true, bake: true, maxFailures: true, requireApproval: true })],
    ['RolloutStrategy', at(policy, 'spec', 'strategy'), keys<RolloutStrategy>({ maxConcurrent: true, installTimeout: true, healthyFor: true, progressDeadline: true, onFailure: true })],
    ['MaintenanceWindow', at(policy, 'spec', 'windows', '[]'), keys<MaintenanceWindow>({ days: true, start: true, end: true, timeZone: true })],
    [
      'PolicyStatus',
      at(status),
      keys<PolicyStatus>({
        observedGeneration: true, observedRevision: true, specHash: true, phase: true, release: true, stableRelease: true, currentRing: true,
        installed: true, startedAt: true, rings: true, unassigned: true, conditions: true, message: true, history: true,
      }),
    ],
    ['RingStatus', at(status, 'rings', '[]'), keys<RingStatus>({ name: true, phase: true, startedAt: true, succeededAt: true, bakeUntil: true, failedAt: true, approvedAt: true, counts: true, message: true })],
    [
      'RingCounts',
      at(status, 'rings', '[]', 'counts'),
      keys<RingCounts>({ targeted: true, offered: true, downloading: true, installing: true, installed: true, healthy: true, failed: true, timedOut: true, offline: true, incompatible: true, waiting: true }),
    ],
    ['Condition', at(status, 'conditions', '[]'), keys<Condition>({ type: true, status: true, reason: true, message: true, lastTransitionTime: true, observedGeneration: true })],
    ['HistoryEntry', at(status, 'history', '[]'), keys<HistoryEntry>({ release: true, phase: true, startedAt: true, finishedAt: true, message: true })],
  ])('%s', (_type, schemaKeys, typeKeys) => {
    expect(schemaKeys).toEqual(typeKeys);
  });
});

describe('validatePolicyStatus', () => {
  const counts: RingCounts = { targeted: 5, offered: 5, downloading: 0, installing: 0, installed: 5, healthy: 5, failed: 0, timedOut: 0, offline: 0, incompatible: 0, waiting: 0 };
  const good: PolicyStatus = {
    observedRevision: '3f2c9e1',
    specHash: '7b1e04',
    phase: 'WaitingApproval',
    release: 'otelcol-custom-1.5.0',
    stableRelease: 'otelcol-custom-1.4.0',
    currentRing: 'everyone',
    installed: '125/1205',
    rings: [{ name: 'canary', phase: 'Succeeded', startedAt: '2026-11-21T09:00:00Z', succeededAt: '2026-11-21T09:04:10Z', bakeUntil: '2026-11-21T09:34:10Z', counts }],
    conditions: [{ type: 'Ready', status: 'False', reason: 'WaitingApproval', message: 'ring everyone needs approval: add it to spec.approvals', lastTransitionTime: '2026-11-21T09:34:10Z' }],
    history: [{ release: 'otelcol-custom-1.4.0', phase: 'Succeeded', finishedAt: '2026-10-01T12:00:00Z' }],
  };

  it('accepts a complete status', () => {
    expect(validatePolicyStatus(good)).toEqual({ ok: true, status: good });
  });

  it('explains what is wrong with a broken one', () => {
    const broken = { ...good, phase: 'Sleeping', rings: [{ name: 'canary', phase: 'Succeeded', counts: { ...counts, startedAt: 'yesterday' } }] };
    const result = validatePolicyStatus(broken);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      expect.stringMatching(/^phase: must be one of .*"Sleeping"/),
      expect.stringMatching(/^rings\[0\]\.counts\.startedAt: unknown field/),
    ]);
  });
});
