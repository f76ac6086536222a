import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createKubeManifestSource } from '../../src/sources/kube/kube-source.ts';
import { loadManifests } from '../../src/manifests/load.ts';
import { manifestSourceContract, releaseDocument } from '../contract/manifest-source.contract.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { applyYaml, CR_RESOURCES, deleteNamed, eventually, policyDocument, silent } from './kube-fixture.ts';
import { closeSharedClusters, testClusters } from './test-cluster.ts';

for (const cluster of testClusters()) {
  manifestSourceContract(`kube (${cluster.name})`, async (initial) => {
    const c = await cluster.start();
    const ns = await c.namespace();
    for (const doc of Object.values(initial)) await c.apply(ns, doc);
    const source = createKubeManifestSource({ kubeConfig: c.kubeConfig(ns), scope: { namespace: ns }, logger: silent });
    return {
      source,
      async apply(manifests) {
        for (const [name, doc] of Object.entries(manifests)) {
          if (doc === null) await c.remove(ns, name);
          else await c.apply(ns, doc);
        }
      },
      // `kubectl annotate`: metadata changes, the declaration (generation) does not.
      touchNonManifest: () => c.annotate(ns, 'packagereleases', 'release-a', { 'example.com/touched': String(Date.now()) }),
      cleanup: () => c.close(),
    };
  });
}
afterAll(closeSharedClusters);

describe('kube source', () => {
  let server: FakeApiServer | undefined;
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await server?.close();
    server = undefined;
  });

  async function started(scope: 'rings' | 'all' = 'rings', resyncMs?: number) {
    server = await startFakeApiServer();
    applyYaml(server, 'rings', releaseDocument('release-a', '1.0.0'));
    applyYaml(server, 'rings', policyDocument('policy-a', 'release-a'));
    const source = createKubeManifestSource({
      kubeConfig: server.kubeConfig('rings'),
      scope: scope === 'all' ? { allNamespaces: true } : { namespace: scope },
      logger: silent,
      restartDelayMs: { initial: 20, max: 200 },
      ...(resyncMs ? { resyncMs } : {}),
    });
    stops.push(() => source.stop());
    await source.start();
    await eventually(() => server?.openWatches() === 2, 'both watches open');
    return { server, source };
  }

  it('serves snapshots that load without errors, paths that name kind, namespace and object', async () => {
    const { source } = await started();
    const snapshot = source.current();
    expect(snapshot?.files.map((f) => f.path)).toEqual(['packagereleases/rings.release-a.yaml', 'rolloutpolicies/rings.policy-a.yaml']);
    const loaded = loadManifests(snapshot?.files ?? []);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.policies.map((p) => p.metadata.name)).toEqual(['policy-a']);
    expect(source.locatePolicy('policy-a')).toMatchObject({ namespace: 'rings', name: 'policy-a', generation: 1 });
  });

  it('a namespace called "status" is not mistaken for the Git status directory', async () => {
    const { server: s, source } = await started('all');
    applyYaml(s, 'status', releaseDocument('release-s', '1.0.0'));
    const snapshot = await source.sync();
    expect(loadManifests(snapshot.files).releases.map((r) => r.metadata.name).sort()).toEqual(['release-a', 'release-s']);
  });

  it('watch events notify on spec changes only: a status write changes nothing', async () => {
    const { server: s, source } = await started();
    const seen: string[] = [];
    source.onChange((snap) => seen.push(snap.revision));
    s.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'policy-a', { status: { phase: 'Progressing' } }, 'status');
    applyYaml(s, 'rings', policyDocument('policy-a', 'release-a', { paused: true }));
    await eventually(() => seen.length === 1, 'one change from the spec edit');
    expect(source.locatePolicy('policy-a')?.generation).toBe(2);
    expect(source.current()?.files.find((f) => f.path.includes('policy-a'))?.content).toContain('paused: true');
    // The status write before the spec edit produced no notification of its own; another one neither.
    s.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'policy-a', { status: { phase: 'Paused' } }, 'status');
    await eventually(() => source.policyObject('rings', 'policy-a')?.status, 'the status write seen by the informer');
    expect(seen).toHaveLength(1);
  });

  it('keeps watching after a dropped connection (informer restarted)', async () => {
    const { server: s, source } = await started();
    s.dropWatches();
    applyYaml(s, 'rings', releaseDocument('release-b', '2.0.0'));
    await eventually(() => source.current()?.files.some((f) => f.content.includes('release-b')), 'release-b seen after the drop');
    await eventually(() => s.openWatches() === 2, 'watches re-opened');
  });

  it('re-lists after ERROR 410 Gone and sees changes made while the history was compacted', async () => {
    const { server: s, source } = await started();
    const lists = (): number => s.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/packagereleases')).length;
    const before = lists();
    s.expireWatches();
    deleteNamed(s, 'rings', 'release-a');
    applyYaml(s, 'rings', releaseDocument('release-c', '3.0.0'));
    await eventually(() => {
      const text = source.current()?.files.map((f) => f.content).join('\n') ?? '';
      return text.includes('release-c') && !text.includes('name: release-a');
    }, 'the re-listed state');
    expect(lists()).toBeGreaterThan(before);
  });

  it('resumes after a normal close and after bookmarks without re-listing', async () => {
    const { server: s, source } = await started();
    const lists = (): number => s.requests.filter((r) => r.path.endsWith('/rolloutpolicies') && r.method === 'GET' && !r.watch).length;
    const listed = lists();
    const watches = s.requests.filter((r) => r.watch).length;
    s.bookmark();
    s.closeWatches();
    await eventually(() => s.requests.filter((r) => r.watch).length >= watches + 2, 'watches resumed');
    applyYaml(s, 'rings', policyDocument('policy-b', 'release-a'));
    await eventually(() => source.locatePolicy('policy-b'), 'policy-b seen');
    expect(lists()).toBe(listed);
  });

  it('the periodic re-list catches up while the watches keep failing', async () => {
    const { server: s, source } = await started('rings', 100);
    s.failNext('GET', /packagereleases$/, 500, 1_000_000);
    s.dropWatches();
    // Watches and informer re-lists now fail; only our own resync list can bring the change.
    s.failures.length = 0;
    s.failNext('GET', /packagereleases$/, 500, 1_000_000, (url) => url.searchParams.get('watch') === 'true');
    applyYaml(s, 'rings', releaseDocument('release-r', '5.0.0'));
    await eventually(() => source.current()?.files.some((f) => f.content.includes('release-r')), 'release-r seen by the resync');
  });

  it('all namespaces: the oldest object keeps a name, the duplicate is ignored and reported', async () => {
    const { server: s, source } = await started('all');
    applyYaml(s, 'team-b', policyDocument('policy-a', 'release-a', { paused: true }));
    const snapshot = await source.sync();
    const policies = snapshot.files.filter((f) => f.path.startsWith('rolloutpolicies/'));
    expect(policies.map((f) => f.path)).toEqual(['rolloutpolicies/rings.policy-a.yaml']);
    expect(source.conflicts()).toEqual([{ kind: 'RolloutPolicy', name: 'policy-a', kept: 'rings', ignored: 'team-b' }]);
    expect(loadManifests(snapshot.files).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('remembers the generation each revision served', async () => {
    const { server: s, source } = await started();
    const first = source.current()?.revision ?? '';
    applyYaml(s, 'rings', policyDocument('policy-a', 'release-a', { paused: true }));
    const second = await source.sync();
    expect(source.locatePolicy('policy-a', first)?.generation).toBe(1);
    expect(source.locatePolicy('policy-a', second.revision)?.generation).toBe(2);
    expect(source.locatePolicy('policy-a', 'unknown')).toBeUndefined();
  });
});
