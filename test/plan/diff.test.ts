import { describe, expect, it } from 'vitest';
import { diffObjects, diffValues } from '../../src/plan/diff.ts';
import type { RolloutPolicy } from '../../src/manifests/types.ts';

function policy(name: string, spec: Partial<RolloutPolicy['spec']>, generation = 1): RolloutPolicy {
  return {
    apiVersion: 'ringmaster.dev/v1alpha1',
    kind: 'RolloutPolicy',
    metadata: { name, generation },
    spec: { release: 'r-1', rings: [{ name: 'canary', bake: '30m' }, { name: 'everyone' }], ...spec },
  };
}

describe('diffValues', () => {
  const cases: { name: string; before: unknown; after: unknown; want: unknown[] }[] = [
    { name: 'equal scalars', before: 1, after: 1, want: [] },
    { name: 'changed scalar', before: '30m', after: '1h', want: [{ path: 'x', before: '30m', after: '1h' }] },
    { name: 'added key', before: {}, after: { a: 1 }, want: [{ path: 'x.a', after: 1 }] },
    { name: 'removed key', before: { a: 1 }, after: {}, want: [{ path: 'x.a', before: 1 }] },
    { name: 'key order ignored', before: { a: 1, b: 2 }, after: { b: 2, a: 1 }, want: [] },
    { name: 'unnamed list compared whole', before: ['a', 'b'], after: ['b', 'a'], want: [{ path: 'x', before: ['a', 'b'], after: ['b', 'a'] }] },
    {
      name: 'named items matched by name',
      before: [{ name: 'a', bake: '1m' }, { name: 'b' }],
      after: [{ name: 'a', bake: '2m' }, { name: 'new' }, { name: 'b' }],
      want: [{ path: 'x[a].bake', before: '1m', after: '2m' }, { path: 'x[new]', after: { name: 'new' } }],
    },
    {
      name: 'artifacts matched by platform',
      before: [{ os: 'linux', arch: 'amd64', sha256: 'aa' }],
      after: [{ os: 'linux', arch: 'amd64', sha256: 'bb' }, { os: 'linux', arch: 'arm64', sha256: 'cc' }],
      want: [
        { path: 'x[linux/amd64].sha256', before: 'aa', after: 'bb' },
        { path: 'x[linux/arm64]', after: { os: 'linux', arch: 'arm64', sha256: 'cc' } },
      ],
    },
    {
      name: 'duplicate names fall back to a whole-list change',
      before: [{ name: 'a' }, { name: 'a' }],
      after: [{ name: 'a' }],
      want: [{ path: 'x', before: [{ name: 'a' }, { name: 'a' }], after: [{ name: 'a' }] }],
    },
    { name: 'type change', before: 2, after: '2%', want: [{ path: 'x', before: 2, after: '2%' }] },
  ];
  it.each(cases)('$name', ({ before, after, want }) => {
    expect(diffValues('x', before, after)).toEqual(want);
  });
});

describe('diffObjects', () => {
  it('reports added, removed and changed objects by name, sorted, ignoring server-managed metadata', () => {
    const base = [policy('b', {}), policy('c', {}), policy('keep', {}, 1)];
    const head = [policy('a', {}), policy('b', { release: 'r-2' }), policy('keep', {}, 7)];
    expect(diffObjects('RolloutPolicy', base, head)).toEqual([
      { kind: 'RolloutPolicy', name: 'a', change: 'added', fields: [] },
      { kind: 'RolloutPolicy', name: 'b', change: 'changed', fields: [{ path: 'spec.release', before: 'r-1', after: 'r-2' }] },
      { kind: 'RolloutPolicy', name: 'c', change: 'removed', fields: [] },
    ]);
  });
});
