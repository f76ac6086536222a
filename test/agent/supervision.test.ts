import { describe, expect, it } from 'vitest';
import { buildFakeCollector } from '../fixtures/fake-collector/build.ts';
import { createHost, readIfExists } from './host.ts';
import { useWorld, waitFor } from './world.ts';

/** The supervisor side: crashed collectors come back, sidecars upgrade like the collector. */
describe('agent: supervision', () => {
  const ctx = useWorld();

  it('restarts a crashed collector with backoff and reports the health change to the server', async () => {
    const host = await createHost(ctx.world, { restartInitial: '3s' });
    const started = await host.startAgent();
    ctx.agent = started.agent;
    const before = await waitFor(() => host.running(), 'collector up');
    await waitFor(() => ctx.world.agent(started.uid)?.health?.healthy, 'healthy on the server');

    process.kill(before.pid, 'SIGKILL');
    const sick = await waitFor(() => ctx.world.agent(started.uid)?.health?.healthy === false && ctx.world.agent(started.uid)?.health, 'unhealthy on the server');
    expect(sick.lastError).toBe('otelcol-custom: exited with signal SIGKILL');
    const after = await waitFor(() => host.running(), 'collector restarted', 20_000);
    expect(after.pid).not.toBe(before.pid);
    expect(after.version).toBe('1.4.0');
    await waitFor(() => ctx.world.agent(started.uid)?.health?.healthy, 'healthy again on the server');
  });

  it('upgrades a sidecar with the same verify → swap → watch → fall back sequence', async () => {
    const host = await createHost(ctx.world, { sidecar: true });
    const started = await host.startAgent();
    ctx.agent = started.agent;
    const before = await waitFor(() => host.sidecarRunning(), 'sidecar 0.1.0 up');
    expect(before.version).toBe('0.1.0');
    const initial = await readIfExists(host.sidecarBinary);

    const crashing = await ctx.world.publish({ name: 'log-shipper', type: 'Addon', version: '0.2.1', faults: { crashAfterMs: 200 } });
    ctx.world.offer(started.uid, { 'log-shipper': crashing.offered });
    await waitFor(() => ctx.world.history(started.uid, 'log-shipper').at(-1) === 'InstallFailed', 'sidecar rollback');
    expect(ctx.world.agent(started.uid)?.packages['log-shipper']?.error).toMatch(/^E_HEALTH: process exited with code 3 within the 1500 ms health window; the previous binary was restored and restarted$/);
    expect((await waitFor(() => host.sidecarRunning(), 'old sidecar back')).version).toBe('0.1.0');
    expect((await readIfExists(host.sidecarBinary))?.equals(initial ?? Buffer.alloc(0))).toBe(true);

    const good = await ctx.world.publish({ name: 'log-shipper', type: 'Addon', version: '0.2.0', bytes: buildFakeCollector({ version: '0.2.0' }) });
    ctx.world.offer(started.uid, { 'log-shipper': good.offered });
    await waitFor(() => ctx.world.history(started.uid, 'log-shipper').at(-1) === 'Installed', 'sidecar upgraded');
    expect(ctx.world.history(started.uid, 'log-shipper').filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'InstallFailed', 'Downloading', 'Installing', 'Installed']);
    expect((await host.sidecarRunning())?.version).toBe('0.2.0');
    expect((await readIfExists(`${host.sidecarBinary}.bak`))?.equals(initial ?? Buffer.alloc(0))).toBe(true);
    // The collector was never touched.
    expect((await host.running())?.version).toBe('1.4.0');
  });
});
