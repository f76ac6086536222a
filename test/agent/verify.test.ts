import { describe, expect, it } from 'vitest';
import { createHost, readIfExists, type Host, type HostOptions } from './host.ts';
import { COLLECTOR, useWorld, waitFor, type PublishOptions } from './world.ts';

/** Packages that must never run: every one is refused after the download, before anything is touched. */
describe('agent: package verification', () => {
  const ctx = useWorld();

  const refuse = async (publish: PublishOptions, hostOptions: HostOptions = {}): Promise<{ host: Host; error: string | undefined; history: string[] }> => {
    const host = await createHost(ctx.world, hostOptions);
    const started = await host.startAgent();
    ctx.agent = started.agent;
    const before = await waitFor(() => host.running(), 'collector up');
    const { offered } = await ctx.world.publish(publish);
    ctx.world.offer(started.uid, { [COLLECTOR]: offered });
    const seen = await waitFor(() => ctx.world.history(started.uid, COLLECTOR).at(-1) === 'InstallFailed' && ctx.world.agent(started.uid), 'InstallFailed');
    // Nothing was touched: same process, same binary, no backup.
    expect(await host.running()).toMatchObject({ version: '1.4.0', pid: before.pid });
    expect((await readIfExists(host.binary))?.equals(host.initialBytes)).toBe(true);
    expect(await readIfExists(`${host.binary}.bak`)).toBeUndefined();
    expect(seen.packages[COLLECTOR]).toMatchObject({ offeredVersion: publish.version, offeredHash: offered.hash });
    expect(seen.packages[COLLECTOR]?.hasVersion).toBeUndefined();
    return { host, error: seen.packages[COLLECTOR]?.error, history: ctx.world.history(started.uid, COLLECTOR).filter((s) => s !== 'InstallPending') };
  };

  it('refuses a file whose SHA-256 is not the offered content_hash', async () => {
    const r = await refuse({ version: '1.6.0', lieAboutSha256: '00'.repeat(32) });
    expect(r.history).toEqual(['Downloading', 'InstallFailed']);
    expect(r.error).toMatch(/^E_CONTENT_HASH: content hash mismatch for http:\/\/127\.0\.0\.1:\d+\/packages\/otelcol-custom\/1\.6\.0\/.*: expected sha256 0{64}, downloaded \d+ bytes with sha256 [0-9a-f]{64}$/);
  });

  it('refuses a signature made by a key it does not trust', async () => {
    const r = await refuse({ version: '1.6.1', sign: 'untrusted' });
    expect(r.history).toEqual(['Downloading', 'InstallFailed']);
    expect(r.error).toBe(`E_SIGNATURE: signature of package "${COLLECTOR}" 1.6.1 for ${ctx.world.platform.os}/${ctx.world.platform.arch} does not verify against any of the 1 trusted key(s)`);
  });

  it('refuses an unsigned package when signatures are required (the default with keys)', async () => {
    const r = await refuse({ version: '1.6.2', sign: 'none' });
    expect(r.history).toEqual(['Downloading', 'InstallFailed']);
    expect(r.error).toBe(`E_UNSIGNED: package "${COLLECTOR}" 1.6.2 is not signed and this agent requires signatures (trust.requireSignature)`);
  });

  it('reports a refused offer truthfully after an agent restart, without downloading it again', async () => {
    const r = await refuse({ version: '1.6.3', sign: 'none' });
    const downloads = (): number => r.history.length;
    await ctx.agent?.stop();
    const again = await r.host.startAgent();
    ctx.agent = again.agent;
    const seen = await waitFor(() => ctx.world.agent(again.uid)?.packages[COLLECTOR], 'status after restart');
    expect(seen).toMatchObject({ state: 'InstallFailed', offeredVersion: '1.6.3' });
    expect(seen.error).toContain('E_UNSIGNED');
    await again.agent.idle();
    expect(ctx.world.history(again.uid, COLLECTOR).filter((s) => s !== 'InstallPending').length).toBe(downloads());
  });
});
