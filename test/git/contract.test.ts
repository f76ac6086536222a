/**
 * The shared port contracts, run against the Git adapters on real repositories.
 */
import { createGitManifestSource } from '../../src/sources/git/git-source.ts';
import { createGitStatusWriter } from '../../src/status/git/git-status-writer.ts';
import { manifestSourceContract } from '../contract/manifest-source.contract.ts';
import { statusWriterContract } from '../contract/status-writer.contract.ts';
import { createGitFixture } from './git-fixture.ts';

manifestSourceContract('git (subfolder fleet/)', async (initial) => {
  const fixture = await createGitFixture();
  const toFiles = (manifests: Record<string, string | null>) =>
    Object.fromEntries(Object.entries(manifests).map(([name, doc]) => [`fleet/releases/${name}.yaml`, doc]));
  await fixture.commit({ ...toFiles(initial), 'README.md': '# fleet\n' }, 'initial fleet');
  let touches = 0;
  return {
    source: createGitManifestSource({ url: fixture.remote, path: 'fleet', workDir: fixture.workDir('source'), intervalMs: 60_000 }),
    apply: async (manifests) => void (await fixture.commit(toFiles(manifests), 'change manifests')),
    touchNonManifest: async () => {
      touches += 1;
      await fixture.commit({ [`fleet/status/p${touches}.yaml`]: `phase: Baking\n`, 'README.md': `# fleet ${touches}\n` }, 'status and docs only');
    },
    cleanup: () => fixture.cleanup(),
  };
});

statusWriterContract('git (same branch as the manifests)', async () => {
  const fixture = await createGitFixture();
  await fixture.commit({ 'fleet/policy.yaml': 'kind: RolloutPolicy\n' }, 'initial fleet');
  let opened = 0;
  const make = () => createGitStatusWriter({ url: fixture.remote, path: 'fleet', workDir: fixture.workDir(`status-${(opened += 1)}`), intervalMs: 60_000 });
  return {
    writer: make(),
    reopen: async () => make(),
    changes: async () => (await fixture.log('main')).length,
    cleanup: () => fixture.cleanup(),
  };
});

statusWriterContract('git (separate orphan status branch)', async () => {
  const fixture = await createGitFixture();
  await fixture.commit({ 'policy.yaml': 'kind: RolloutPolicy\n' }, 'initial fleet');
  let opened = 0;
  const make = () => createGitStatusWriter({ url: fixture.remote, branch: 'ringmaster-status', workDir: fixture.workDir(`status-${(opened += 1)}`), intervalMs: 60_000 });
  return {
    writer: make(),
    reopen: async () => make(),
    changes: async () => (await fixture.log('ringmaster-status').catch(() => [])).length,
    cleanup: () => fixture.cleanup(),
  };
});
