/**
 * The shared ManifestSource contract, run against the Git source on real repositories.
 */
import { createGitManifestSource } from '../../src/sources/git/git-source.ts';
import { manifestSourceContract } from '../contract/manifest-source.contract.ts';
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
