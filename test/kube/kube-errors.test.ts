import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../src/kube/client.ts';
import { createKubeMode } from '../../src/kube/kube-mode.ts';
import { createKubeManifestSource } from '../../src/sources/kube/kube-source.ts';
import { createKubeStatusWriter } from '../../src/status/kube/kube-status-writer.ts';
import { startFakeApiServer, type FakeApiServer } from './fake-api-server.ts';
import { silent } from './kube-fixture.ts';

describe('kube mode: bad input and refused requests', () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('missing CRDs: start() fails with E_KUBE_NOT_FOUND and says how to install them', async () => {
    server = await startFakeApiServer();
    server.failNext('GET', /packagereleases$/, 404, 10);
    const source = createKubeManifestSource({ kubeConfig: server.kubeConfig('rings'), scope: { namespace: 'rings' }, logger: silent });
    await expect(source.start()).rejects.toMatchObject({ code: 'E_KUBE_NOT_FOUND', message: expect.stringContaining('kubectl apply -f crds/') });
    expect(source.current()).toBeUndefined();
    await source.stop();
  });

  it('missing RBAC: readAll fails with E_KUBE_API, status 403, pointing at deploy/rbac.yaml', async () => {
    server = await startFakeApiServer();
    server.failNext('GET', /rolloutpolicies$/, 403);
    const writer = createKubeStatusWriter({ kubeConfig: server.kubeConfig('rings'), scope: { namespace: 'rings' }, logger: silent, locate: () => undefined });
    await expect(writer.readAll()).rejects.toMatchObject({ code: 'E_KUBE_API', status: 403, message: expect.stringContaining('deploy/rbac.yaml') });
  });

  it('refused credentials: E_KUBE_API, status 401, saying what to check', async () => {
    server = await startFakeApiServer();
    const source = createKubeManifestSource({ kubeConfig: server.kubeConfig('rings', 'wrong-token'), scope: { namespace: 'rings' }, logger: silent });
    await expect(source.start()).rejects.toMatchObject({ code: 'E_KUBE_API', status: 401, message: expect.stringContaining('credentials were refused') });
    await source.stop();
  });

  it('refuses conflicting flags, a bad identity and a missing kubeconfig with codes', async () => {
    server = await startFakeApiServer();
    const base = { kubeConfig: server.kubeConfig('rings'), identity: 'ringmaster-0', logger: silent, onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
    expect(() => createKubeMode({ ...base, namespace: 'a', allNamespaces: true })).toThrow(expect.objectContaining({ code: 'E_KUBE_CONFIG' }));
    expect(() => createKubeMode({ ...base, identity: 'Not_A_Pod' })).toThrow(expect.objectContaining({ code: 'E_KUBE_NAME' }));
    expect(() => loadKubeConfig('/nonexistent/kubeconfig')).toThrow(expect.objectContaining({ code: 'E_KUBE_CONFIG', message: expect.stringContaining('/nonexistent/kubeconfig') }));
    const dir = await mkdtemp(join(tmpdir(), 'ringmaster-kube-'));
    try {
      await writeFile(join(dir, 'config'), 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      expect(() => loadKubeConfig(join(dir, 'config'))).toThrow(expect.objectContaining({ code: 'E_KUBE_CONFIG' }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the namespace defaults to the kubeconfig context (the pod\'s own)', async () => {
    server = await startFakeApiServer();
    const mode = createKubeMode({ kubeConfig: server.kubeConfig('team-a'), identity: 'ringmaster-0', logger: silent, onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    expect(mode.scope).toEqual({ namespace: 'team-a' });
    const all = createKubeMode({ kubeConfig: server.kubeConfig('team-a'), identity: 'ringmaster-0', allNamespaces: true, logger: silent, onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    expect(all.scope).toEqual({ allNamespaces: true });
  });
});
