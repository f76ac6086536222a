import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../src/agent/agent.ts';
import { signPackage } from '../../src/artifacts/signing.ts';
import { buildFakeCollector } from '../fixtures/fake-collector/build.ts';
import { startFileServer, type FileServer } from './file-server.ts';
import { createHost, readIfExists } from './host.ts';
import { COLLECTOR, startWorld, waitFor, type World } from './world.ts';

/** The agent's connections: downloads that break, servers that restart, plain HTTP polling. */
describe('agent: connections', () => {
  let world: World;
  let files: FileServer;
  let agent: Agent | undefined;
  beforeAll(async () => {
    world = await startWorld();
    files = await startFileServer();
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });
  afterAll(async () => {
    await files.close();
    await world.close();
  });

  it('resumes an interrupted download with a Range request and installs', async () => {
    const host = await createHost(world);
    const started = await host.startAgent();
    agent = started.agent;
    // A big binary (padding in a comment) so the cut lands mid-file.
    const bytes = Buffer.concat([buildFakeCollector({ version: '1.7.0' }), Buffer.from(`// ${'x'.repeat(300_000)}\n`)]);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    files.put('/otelcol-1.7.0', bytes);
    files.cutNext('/otelcol-1.7.0', 100_000);
    const signature = signPackage(world.keys.privateKeyPem, { package: COLLECTOR, version: '1.7.0', ...world.platform, sha256 });
    world.offer(started.uid, { [COLLECTOR]: { type: 'TopLevel', version: '1.7.0', hash: 'a1'.repeat(32), file: { url: files.url('/otelcol-1.7.0'), sha256, signature } } });
    await waitFor(() => world.history(started.uid, COLLECTOR).at(-1) === 'Installed', 'Installed', 30_000);

    expect(world.history(started.uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'Installed']);
    const gets = files.requests.filter((r) => r.path === '/otelcol-1.7.0');
    expect(gets).toHaveLength(2);
    expect(gets[0]?.headers.range).toBeUndefined();
    expect(gets[1]?.headers.range).toMatch(/^bytes=[1-9]\d*-$/);
    // The artifact-store token is a credential for Ringmaster's own store only: another
    // host (this file server) never receives it, on the first request or the resumed one.
    expect(gets.map((g) => g.headers.authorization)).toEqual([undefined, undefined]);
    expect((await readIfExists(host.binary))?.equals(bytes)).toBe(true);
    expect((await host.running())?.version).toBe('1.7.0');
  });

  it('tries an offer again after a transient download failure', async () => {
    const host = await createHost(world);
    const started = await host.startAgent();
    agent = started.agent;
    const bytes = buildFakeCollector({ version: '1.7.1' });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const signature = signPackage(world.keys.privateKeyPem, { package: COLLECTOR, version: '1.7.1', ...world.platform, sha256 });
    world.offer(started.uid, { [COLLECTOR]: { type: 'TopLevel', version: '1.7.1', hash: 'b2'.repeat(32), file: { url: files.url('/late/otelcol-1.7.1'), sha256, signature } } });
    const failed = await waitFor(() => world.history(started.uid, COLLECTOR).at(-1) === 'InstallFailed' && world.agent(started.uid)?.packages[COLLECTOR], 'the 404 reported');
    expect(failed.error).toBe(`E_DOWNLOAD: HTTP 404 from ${files.url('/late/otelcol-1.7.1')}`);

    files.put('/late/otelcol-1.7.1', bytes);
    await waitFor(() => world.history(started.uid, COLLECTOR).at(-1) === 'Installed', 'installed on the retry');
    expect(world.history(started.uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'InstallFailed', 'Downloading', 'Installing', 'Installed']);
    expect((await host.running())?.version).toBe('1.7.1');
  });

  it('reports the installed version as the binary prints it when the config does not say', async () => {
    const host = await createHost(world, { noVersion: true });
    const started = await host.startAgent();
    agent = started.agent;
    await waitFor(() => world.agent(started.uid)?.attributes['service.version'] === '1.4.0', 'service.version from --version');
  });

  it('reconnects after a server restart and reports its full state to the new server', async () => {
    const host = await createHost(world);
    const started = await host.startAgent();
    agent = started.agent;
    const { offered } = await world.publish({ version: '1.8.0' });
    world.offer(started.uid, { [COLLECTOR]: offered });
    await waitFor(() => world.history(started.uid, COLLECTOR).at(-1) === 'Installed', 'Installed');

    await world.restartServer();
    // The new server knows nothing; it asks for the full state and must get all of it.
    const seen = await waitFor(() => {
      const a = world.agent(started.uid);
      return a?.online && a.packages[COLLECTOR]?.state === 'Installed' && a.attributes['service.version'] && a.health ? a : undefined;
    }, 'full state on the new server');
    expect(seen.attributes).toMatchObject({ 'service.name': COLLECTOR, 'service.version': '1.8.0', env: 'test', 'host.arch': world.platform.arch });
    expect(seen.packages[COLLECTOR]).toMatchObject({ hasVersion: '1.8.0', hasHash: offered.hash });
    expect(seen.health?.healthy).toBe(true);
    expect(seen.acceptsPackages).toBe(true);
  });

  it('speaks plain HTTP polling: installs an offer and disconnects cleanly', async () => {
    const host = await createHost(world, { transport: 'http' });
    const started = await host.startAgent();
    agent = started.agent;
    const { offered } = await world.publish({ version: '1.9.0' });
    world.offer(started.uid, { [COLLECTOR]: offered });
    await waitFor(() => world.history(started.uid, COLLECTOR).at(-1) === 'Installed', 'Installed over HTTP');
    expect(world.history(started.uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'Installed']);
    expect(world.agent(started.uid)?.attributes['service.version']).toBe('1.9.0');

    await started.agent.stop();
    agent = undefined;
    await waitFor(() => world.agent(started.uid)?.online === false, 'agent_disconnect seen by the server');
  });
});
