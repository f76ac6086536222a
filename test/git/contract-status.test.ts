/**
 * The shared StatusWriter contract, run against the Git status writer on real repositories:
 * once on the watched branch, once on a separate orphan status branch.
 */
import { createGitStatusWriter } from '../../src/status/git/git-status-writer.ts';
import { statusWriterContract } from '../contract/status-writer.contract.ts';
import { createGitFixture } from './git-fixture.ts';

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
