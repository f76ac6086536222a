import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PolicyStatus } from '../../src/manifests/types.ts';
import { createKubeManifestSource, type KubeManifestSource } from '../../src/sources/kube/kube-source.ts';
import { createKubeStatusWriter } from '../../src/status/kube/kube-status-writer.ts';
import { releaseDocument } from '../contract/manifest-source.contract.ts';
import { sampleStatus, statusWriterContract } from '../contract/status-writer.contract.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { applyYaml, CR_RESOURCES, eventually, policyDocument, silent } from './kube-fixture.ts';
import { closeSharedClusters, testClusters } from './test-cluster.ts';

const POLICIES = ['otelcol-custom', 'otelcol-contrib', 'a', 'b', 'p'];

async function world(): Promise<{ server: FakeApiServer; source: KubeManifestSource; writer: () => ReturnType<typeof createKubeStatusWriter> }> {
  const server = await startFakeApiServer();
  applyYaml(server, 'rings', releaseDocument('release-a', '1.0.0'));
  for (const name of POLICIES) applyYaml(server, 'rings', policyDocument(name, 'release-a'));
  const source = createKubeManifestSource({ kubeConfig: server.kubeConfig('rings'), scope: { namespace: 'rings' }, logger: silent });
  await source.start();
  const writer = () => createKubeStatusWriter({
    kubeConfig: server.kubeConfig('rings'),
    scope: { namespace: 'rings' },
    logger: silent,
    locate: (name, revision) => source.locatePolicy(name, revision),
    observe: (namespace, name) => source.policyObject(namespace, name),
  });
  return { server, source, writer };
}

const statusPatches = (server: FakeApiServer): number => server.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status') && r.status === 200).length;

for (const cluster of testClusters()) {
  statusWriterContract(`kube (${cluster.name})`, async () => {
    const c = await cluster.start();
    const ns = await c.namespace();
    await c.apply(ns, releaseDocument('release-a', '1.0.0'));
    for (const name of POLICIES) await c.apply(ns, policyDocument(name, 'release-a'));
    const source = createKubeManifestSource({ kubeConfig: c.kubeConfig(ns), scope: { namespace: ns }, logger: silent });
    await source.start();
    const writer = () => createKubeStatusWriter({ kubeConfig: c.kubeConfig(ns), scope: { namespace: ns }, logger: silent, locate: (n, r) => source.locatePolicy(n, r), observe: (s, n) => source.policyObject(s, n) });
    // Counts distinct stored states of the namespace's policies (every write makes a new resourceVersion).
    let seen: string | undefined;
    let changes = 0;
    return {
      writer: writer(),
      reopen: async () => writer(),
      async changes() {
        const now = await c.policyVersion(ns);
        if (now !== seen) [seen, changes] = [now, changes + 1];
        return changes;
      },
      async cleanup() {
        await source.stop();
        await c.close();
      },
    };
  });
}
afterAll(closeSharedClusters);

describe('kube status writer', () => {
  let env: Awaited<ReturnType<typeof world>> | undefined;
  afterEach(async () => {
    await env?.source.stop();
    await env?.server.close();
    env = undefined;
  });

  const stored = (name: string): Record<string, unknown> | undefined => env?.server.store.get(CR_RESOURCES.RolloutPolicy, 'rings', name).status as Record<string, unknown> | undefined;

  it('sets observedGeneration from the revision the status was planned at, not the newest', async () => {
    env = await world();
    const first = env.source.current()?.revision ?? '';
    applyYaml(env.server, 'rings', policyDocument('p', 'release-a', { paused: true }));
    const second = (await env.source.sync()).revision;
    const writer = env.writer();
    await writer.write('p', { ...sampleStatus(), observedRevision: first }, 'planned at the first revision');
    expect(stored('p')?.observedGeneration).toBe(1);
    await writer.write('p', { ...sampleStatus(), observedRevision: second }, 'planned at the second');
    expect(stored('p')?.observedGeneration).toBe(2);
    expect(stored('p')?.observedRevision).toBe(second);
    // readAll hands back what the controller wrote, without the writer's bookkeeping.
    expect((await writer.readAll()).p).toEqual({ ...sampleStatus(), observedRevision: second });
  });

  it('patches with a merge patch that removes vanished fields, and only when something changed', async () => {
    env = await world();
    const writer = env.writer();
    await writer.write('p', sampleStatus(), 'first');
    const { currentRing: _ring, ...withoutRing } = sampleStatus('Succeeded');
    await writer.write('p', withoutRing as PolicyStatus, 'succeeded');
    await writer.write('p', withoutRing as PolicyStatus, 'same again');
    expect(statusPatches(env.server)).toBe(2);
    expect(stored('p')).not.toHaveProperty('currentRing');
    expect(stored('p')?.phase).toBe('Succeeded');
    const types = env.server.requests.filter((r) => r.method === 'PATCH').map((r) => r.contentType);
    expect(new Set(types)).toEqual(new Set(['application/merge-patch+json']));
    // The spec and its generation are untouched by status writes.
    expect(env.server.store.get(CR_RESOURCES.RolloutPolicy, 'rings', 'p').metadata.generation).toBe(1);
  });

  it('a 409 from a concurrent status change re-reads and retries', async () => {
    env = await world();
    // Without the informer's copy, so the writer surely patches against the version it wrote.
    const writer = createKubeStatusWriter({ kubeConfig: env.server.kubeConfig('rings'), scope: { namespace: 'rings' }, logger: silent, locate: (n, r) => env?.source.locatePolicy(n, r) });
    await writer.write('p', sampleStatus(), 'first');
    // Someone else (an older leader, kubectl) changes the status behind our back.
    env.server.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'p', { status: { foreign: 'x' } }, 'status');
    await writer.write('p', sampleStatus('Succeeded'), 'done');
    const statuses = env.server.requests.filter((r) => r.method === 'PATCH').map((r) => r.status);
    expect(statuses).toContain(409);
    expect(stored('p')?.phase).toBe('Succeeded');
    expect(stored('p')).not.toHaveProperty('foreign');
  });

  it('patches against the informer\'s copy when it is newer than ours (no conflict round trip)', async () => {
    env = await world();
    const writer = env.writer();
    await writer.write('p', sampleStatus(), 'first');
    env.server.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'p', { status: { foreign: 'x' } }, 'status');
    await eventually(() => (env?.source.policyObject('rings', 'p')?.status as Record<string, unknown> | undefined)?.foreign, 'the informer saw the foreign write');
    await writer.write('p', sampleStatus('Succeeded'), 'done');
    expect(env.server.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([200, 200]);
    expect(stored('p')).not.toHaveProperty('foreign');
  });

  it('gives up after repeated conflicts with E_KUBE_CONFLICT', async () => {
    env = await world();
    env.server.failNext('PATCH', /\/status$/, 409, 100);
    const writer = createKubeStatusWriter({ kubeConfig: env.server.kubeConfig('rings'), scope: { namespace: 'rings' }, logger: silent, locate: (n, r) => env?.source.locatePolicy(n, r), maxConflictRetries: 2 });
    await expect(writer.write('p', sampleStatus(), 'x')).rejects.toMatchObject({ code: 'E_KUBE_CONFLICT', status: 409 });
    expect(env.server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
  });

  it('a policy deleted under us is E_KUBE_NOT_FOUND; an unknown one is refused before any request', async () => {
    env = await world();
    const writer = env.writer();
    env.server.store.delete(CR_RESOURCES.RolloutPolicy, 'rings', 'p');
    await expect(writer.write('p', sampleStatus(), 'x')).rejects.toMatchObject({ code: 'E_KUBE_NOT_FOUND' });
    const before = env.server.requests.length;
    await expect(writer.write('nope', sampleStatus(), 'x')).rejects.toMatchObject({ code: 'E_KUBE_NOT_FOUND' });
    expect(env.server.requests.length).toBe(before);
  });

  it('readAll skips a status that does not match the schema and keeps the others', async () => {
    env = await world();
    const writer = env.writer();
    await writer.write('a', sampleStatus(), 'ok');
    env.server.store.patch(CR_RESOURCES.RolloutPolicy, 'rings', 'b', { status: { phase: 'Dancing' } }, 'status');
    expect(Object.keys(await writer.readAll())).toEqual(['a']);
  });
});
