import { describe, expect, it } from 'vitest';
import { createHost, readIfExists, type HostOptions } from './host.ts';
import { COLLECTOR, useWorld, waitFor, type PublishOptions } from './world.ts';

/** More ways a new collector can fail, each with its precise reason and the old one intact. */
describe('agent: failed upgrades', () => {
  const ctx = useWorld();

  const fail = async (publish: PublishOptions, hostOptions: HostOptions = {}): Promise<{ error: string | undefined; history: string[] }> => {
    const host = await createHost(ctx.world, hostOptions);
    const started = await host.startAgent();
    ctx.agent = started.agent;
    await waitFor(() => host.running(), 'collector up');
    const { offered } = await ctx.world.publish(publish);
    ctx.world.offer(started.uid, { [COLLECTOR]: offered });
    const seen = await waitFor(() => ctx.world.history(started.uid, COLLECTOR).at(-1) === 'InstallFailed' && ctx.world.agent(started.uid), 'InstallFailed');
    expect((await waitFor(() => host.running(), 'old collector running')).version).toBe('1.4.0');
    expect((await readIfExists(host.binary))?.equals(host.initialBytes)).toBe(true);
    return { error: seen.packages[COLLECTOR]?.error, history: ctx.world.history(started.uid, COLLECTOR).filter((s) => s !== 'InstallPending') };
  };

  it('kills a dry run that does not finish within its timeout', async () => {
    const r = await fail({ version: '3.0.0', faults: { validateHangs: true } }, { validateTimeout: '500ms' });
    expect(r.history).toEqual(['Downloading', 'Installing', 'InstallFailed']);
    expect(r.error).toBe('E_VALIDATE: dry run of the new binary failed, nothing was changed: validate command timed out after 500 ms');
  });

  it('rolls back a binary that never binds its port', async () => {
    const r = await fail({ version: '3.0.1', faults: { noListen: true } });
    expect(r.history).toEqual(['Downloading', 'Installing', 'InstallFailed']);
    expect(r.error).toMatch(/^E_HEALTH: port \d+ is not listening on 127\.0\.0\.1 at the end of the 1500 ms health window; the previous binary was restored and restarted$/);
  });
});
