import { describe, expect, it } from 'vitest';
import { ObjectIndex, pathOf, type KubeResource } from '../../src/sources/kube/object-index.ts';

const release = (name: string, rv: number, opts: { uid?: string; generation?: number; ns?: string; created?: string; version?: string } = {}): KubeResource => ({
  apiVersion: 'ringmaster.dev/v1alpha1',
  kind: 'PackageRelease',
  metadata: { name, namespace: opts.ns ?? 'rings', uid: opts.uid ?? `uid-${name}`, generation: opts.generation ?? 1, resourceVersion: String(rv), creationTimestamp: opts.created ?? '2026-11-21T09:00:00Z' },
  spec: { version: opts.version ?? '1.0.0' },
});

describe('object index', () => {
  it('ignores an event older than what it holds (a list raced a watch)', () => {
    const index = new ObjectIndex();
    index.upsert('PackageRelease', release('a', 20, { generation: 2, version: '2.0.0' }));
    index.upsert('PackageRelease', release('a', 10, { generation: 1, version: '1.0.0' }));
    expect(index.snapshot().files[0]?.content).toContain('version: 2.0.0');
  });

  it('a stale DELETED of an object re-created since (new uid) keeps the new one', () => {
    const index = new ObjectIndex();
    index.upsert('PackageRelease', release('a', 30, { uid: 'second' }));
    index.remove('PackageRelease', release('a', 25, { uid: 'first' }));
    expect(index.snapshot().files).toHaveLength(1);
  });

  it('a list drops what it lacks, except objects a newer watch event brought in', () => {
    const index = new ObjectIndex();
    index.upsert('PackageRelease', release('old', 5));
    index.upsert('PackageRelease', release('fresh', 50));
    index.replaceAll('PackageRelease', [release('listed', 40)], '45');
    expect(index.snapshot().files.map((f) => f.path)).toEqual([pathOf('PackageRelease', 'rings', 'fresh'), pathOf('PackageRelease', 'rings', 'listed')]);
  });

  it('the revision moves with generation and identity, not with resourceVersion', () => {
    const index = new ObjectIndex();
    index.upsert('PackageRelease', release('a', 10));
    const first = index.snapshot().revision;
    index.upsert('PackageRelease', { ...release('a', 11), status: { seen: true } });
    expect(index.snapshot().revision).toBe(first);
    index.upsert('PackageRelease', release('a', 12, { generation: 2 }));
    const second = index.snapshot().revision;
    expect(second).not.toBe(first);
    index.remove('PackageRelease', release('a', 13, { generation: 2 }));
    index.upsert('PackageRelease', release('a', 14, { uid: 'recreated', generation: 2 }));
    expect(index.snapshot().revision).not.toBe(second);
  });

  it('snapshots hold only what the generation covers: no status, labels, annotations or server fields', () => {
    const index = new ObjectIndex();
    const object = release('a', 10);
    object.metadata = { ...object.metadata, labels: { team: 'obs' } };
    const annotated = { ...object, status: { phase: 'x' }, metadata: { ...object.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } } };
    index.upsert('PackageRelease', annotated as KubeResource);
    const content = index.snapshot().files[0]?.content ?? '';
    expect(content).toContain('version: 1.0.0');
    for (const absent of ['team: obs', 'status', 'last-applied', 'resourceVersion', 'uid', 'generation', 'creationTimestamp']) expect(content).not.toContain(absent);
  });

  it('across namespaces the oldest keeps a name (ties: namespace order)', () => {
    const index = new ObjectIndex();
    index.upsert('PackageRelease', release('a', 10, { ns: 'zeta', created: '2026-11-21T08:00:00Z' }));
    index.upsert('PackageRelease', release('a', 11, { ns: 'alpha', created: '2026-11-21T09:00:00Z' }));
    index.upsert('PackageRelease', release('b', 12, { ns: 'beta' }));
    index.upsert('PackageRelease', release('b', 13, { ns: 'alpha' }));
    const snapshot = index.snapshot();
    expect(snapshot.files.map((f) => f.path)).toEqual(['packagereleases/alpha.b.yaml', 'packagereleases/zeta.a.yaml']);
    expect(snapshot.conflicts).toEqual([
      { kind: 'PackageRelease', name: 'a', kept: 'zeta', ignored: 'alpha' },
      { kind: 'PackageRelease', name: 'b', kept: 'alpha', ignored: 'beta' },
    ]);
  });
});
