import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, readIfExists } from './host.ts';
import { COLLECTOR, startWorld, waitFor, type World } from './world.ts';

/** Addons come and go with the offer; the top-level package stays whatever the offer says. */
describe('agent: addons and the never-deleted top-level package', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world.close());

  it('installs an addon with its hook, removes it when un-offered, and never deletes the top-level package', async () => {
    const host = await createHost(world);
    const { agent, uid } = await host.startAgent();
    try {
      const top = await world.publish({ version: '2.0.0' });
      world.offer(uid, { [COLLECTOR]: top.offered });
      await waitFor(() => world.history(uid, COLLECTOR).at(-1) === 'Installed', 'top-level installed');

      const addonBytes = Buffer.from('receivers:\n  filelog/extras:\n    include: [/var/log/app/*.log]\n');
      const addon = await world.publish({ name: 'filelog-extras', type: 'Addon', version: '0.3.0', bytes: addonBytes });
      world.offer(uid, { [COLLECTOR]: top.offered, 'filelog-extras': addon.offered });
      await waitFor(() => world.history(uid, 'filelog-extras').at(-1) === 'Installed', 'addon installed');
      expect(world.history(uid, 'filelog-extras').filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'Installed']);
      const addonPath = join(host.addonsDir, 'filelog-extras');
      expect((await readIfExists(addonPath))?.equals(addonBytes)).toBe(true);
      expect(await readFile(host.hookLog, 'utf8')).toBe(`installed filelog-extras ${addonPath}\n`);
      // The unchanged top-level package was kept, not reinstalled.
      expect(world.history(uid, COLLECTOR).filter((s) => s !== 'InstallPending')).toEqual(['Downloading', 'Installing', 'Installed']);

      // An offer without either package: the addon goes, the top-level package stays.
      world.offer(uid, {});
      await waitFor(async () => (await readIfExists(addonPath)) === undefined && world.agent(uid)?.packages['filelog-extras'] === undefined, 'addon removed');
      expect(await readFile(host.hookLog, 'utf8')).toBe(`installed filelog-extras ${addonPath}\nremoved filelog-extras ${addonPath}\n`);
      expect((await readIfExists(host.binary))?.equals(top.bytes)).toBe(true);
      expect((await host.running())?.version).toBe('2.0.0');
      expect(world.agent(uid)?.packages[COLLECTOR]).toMatchObject({ state: 'Installed', hasVersion: '2.0.0' });
    } finally {
      await agent.stop();
    }
  });

  it('restores the previous addon file when the hook fails, and reports why', async () => {
    const host = await createHost(world);
    const { agent, uid } = await host.startAgent();
    try {
      const v1 = await world.publish({ name: 'processors-extra', type: 'Addon', version: '1.0.0', bytes: Buffer.from('processors: {batch: {}}\n') });
      world.offer(uid, { 'processors-extra': v1.offered });
      await waitFor(() => world.history(uid, 'processors-extra').at(-1) === 'Installed', 'v1 installed');
      const v2 = await world.publish({ name: 'processors-extra', type: 'Addon', version: '1.1.0', bytes: Buffer.from('processors: {FAIL_HOOK: {}}\n') });
      world.offer(uid, { 'processors-extra': v2.offered });
      const seen = await waitFor(() => world.history(uid, 'processors-extra').at(-1) === 'InstallFailed' && world.agent(uid)?.packages['processors-extra'], 'v2 refused by the hook');
      expect(seen).toMatchObject({ hasVersion: '1.0.0', offeredVersion: '1.1.0' });
      expect(seen.error).toBe('E_INSTALL: addon hook failed, the previous file was restored: addon hook failed (exit code 1): reload failed: bad addon processors-extra');
      expect((await readIfExists(join(host.addonsDir, 'processors-extra')))?.equals(v1.bytes)).toBe(true);
      expect(await readIfExists(join(host.addonsDir, 'processors-extra.bak'))).toBeUndefined();
    } finally {
      await agent.stop();
    }
  });
});
