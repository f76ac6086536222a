import { describe, expect, it } from 'vitest';
import { createHost, readIfExists, type Host } from './host.ts';
import { COLLECTOR, useWorld, waitFor } from './world.ts';

/** Top-level upgrades of a real (fake) collector, judged from the OpAMP server's side. */
describe('agent: top-level upgrade', () => {
  const ctx = useWorld();

  const start = async (): Promise<{ host: Host; uid: string; pid: number }> => {
    const host = await createHost(ctx.world);
    const started = await host.startAgent();
    ctx.agent = started.agent;
    const before = await waitFor(() => host.running(), 'collector 1.4.0 up');
    expect(before.version).toBe('1.4.0');
    return { host, uid: started.uid, pid: before.pid };
  };
  const settled = (uid: string) => waitFor(() => ['Installed', 'InstallFailed'].includes(ctx.world.history(uid, COLLECTOR).at(-1) ?? '') && ctx.world.agent(uid), 'a final package status');

  it('upgrades: downloads with the offer headers, verifies, validates, swaps with .bak, proves health', async () => {
    const { host, uid } = await start();
    const { offered, bytes } = await ctx.world.publish({ version: '1.5.0' });
    ctx.world.offer(uid, { [COLLECTOR]: offered });
    const seen = await settled(uid);

    expect(ctx.world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'Installed']);
    expect(seen.packages[COLLECTOR]).toMatchObject({ state: 'Installed', hasVersion: '1.5.0', hasHash: offered.hash });
    await waitFor(() => ctx.world.agent(uid)?.attributes['service.version'] === '1.5.0', 'service.version 1.5.0 reported');
    expect(ctx.world.agent(uid)?.attributes).toMatchObject({ 'service.name': COLLECTOR, env: 'test', canary: 'true', 'os.type': ctx.world.platform.os, 'host.arch': ctx.world.platform.arch });
    expect((await host.running())?.version).toBe('1.5.0');
    expect((await readIfExists(host.binary))?.equals(bytes)).toBe(true);
    expect((await readIfExists(`${host.binary}.bak`))?.equals(host.initialBytes)).toBe(true);
    expect(ctx.world.agent(uid)?.health?.healthy).toBe(true);
  });

  it('aborts when the new binary fails to validate the current config, leaving the old process untouched', async () => {
    const { host, uid, pid } = await start();
    const { offered } = await ctx.world.publish({ version: '1.5.1', faults: { validateFails: true } });
    ctx.world.offer(uid, { [COLLECTOR]: offered });
    const seen = await settled(uid);

    expect(ctx.world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'InstallFailed']);
    expect(seen.packages[COLLECTOR]?.error).toMatch(/^E_VALIDATE: dry run of the new binary failed, nothing was changed: validate command failed \(exit code 1\): .*fancyreceiver/);
    expect(await host.running()).toMatchObject({ version: '1.4.0', pid });
    expect((await readIfExists(host.binary))?.equals(host.initialBytes)).toBe(true);
    expect(await readIfExists(`${host.binary}.bak`)).toBeUndefined();
  });

  it('rolls back when the new binary crashes within the health window: old binary restored and running', async () => {
    const { host, uid, pid } = await start();
    const { offered } = await ctx.world.publish({ version: '1.5.2', faults: { crashAfterMs: 300 } });
    ctx.world.offer(uid, { [COLLECTOR]: offered });
    const seen = await settled(uid);

    expect(ctx.world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'InstallFailed']);
    expect(seen.packages[COLLECTOR]?.error).toMatch(/^E_HEALTH: process exited with code 3 within the 1500 ms health window; the previous binary was restored and restarted$/);
    const after = await waitFor(() => host.running(), 'old collector back');
    expect(after.version).toBe('1.4.0');
    expect(after.pid).not.toBe(pid);
    expect((await readIfExists(host.binary))?.equals(host.initialBytes)).toBe(true);
    expect(ctx.world.agent(uid)?.attributes['service.version']).toBe('1.4.0');
  });

  it('rolls back when the health URL answers unhealthy at the end of the window', async () => {
    const { host, uid } = await start();
    const { offered } = await ctx.world.publish({ version: '1.5.3', faults: { unhealthy: true } });
    ctx.world.offer(uid, { [COLLECTOR]: offered });
    const seen = await settled(uid);

    expect(ctx.world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'InstallFailed']);
    expect(seen.packages[COLLECTOR]?.error).toMatch(/^E_HEALTH: health URL http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 503 at the end of the 1500 ms health window; the previous binary was restored/);
    expect((await waitFor(() => host.running(), 'old collector back')).version).toBe('1.4.0');
    expect((await readIfExists(host.binary))?.equals(host.initialBytes)).toBe(true);
  });
});
