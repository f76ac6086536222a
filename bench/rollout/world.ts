/**
 * The rollout benchmark's world: a real bare fleet repository with a human's clone, and a
 * real artifact store holding one 64 KiB package file, all in a temp dir. The release is
 * committed up front; `commitPolicy` makes the commit whose latency is measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import { stringify } from 'yaml';
import { createArtifactStore } from '../../src/artifacts/store.ts';

/** The package the simulated agents report as their `service.name`. */
export const benchPackage = 'otelcol-sim';
export const benchPolicy = 'otelcol-sim';
const version = '1.0.0';

export interface RolloutWorld {
  root: string;
  bare: string;
  packagesDir: string;
  /** Commits the policy (rings 1% / 10% / rest, no bake) and pushes; resolves with the commit id. */
  commitPolicy(): Promise<string>;
  cleanup(): Promise<void>;
}

/** Creates the repository, the clone and the store, and commits the release. */
export async function createWorld(artifactBytes: number): Promise<RolloutWorld> {
  const root = await mkdtemp(join(tmpdir(), 'ringmaster-bench-rollout-'));
  const bare = join(root, 'fleet.git');
  const clone = join(root, 'clone');
  const packagesDir = join(root, 'packages');
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  await mkdir(clone);
  const git = simpleGit(clone);
  await git.init(['--quiet', '--initial-branch=main']);
  await git.addConfig('user.name', 'Bench').addConfig('user.email', 'bench@example.com').addConfig('commit.gpgsign', 'false');
  await git.addRemote('origin', bare);
  const put = await createArtifactStore({ root: packagesDir }).put(Readable.from([randomBytes(artifactBytes)]), { package: benchPackage, version, os: 'linux', arch: 'amd64', fileName: benchPackage, type: 'TopLevel' });
  const release = {
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'PackageRelease', metadata: { name: `${benchPackage}-${version}` },
    spec: { package: benchPackage, type: 'TopLevel', version, artifacts: [{ os: 'linux', arch: 'amd64', url: put.path, sha256: put.sha256, size: put.size }] },
  };
  await commit(git, clone, `releases/${benchPackage}-${version}.yaml`, stringify(release), 'Release 1.0.0');
  return {
    root, bare, packagesDir,
    commitPolicy: () => commit(git, clone, `policies/${benchPolicy}.yaml`, stringify(policy()), 'Roll out 1.0.0'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Rings of 1%, then 10% of the rest, then everyone; no bake; every agent of a ring at once. */
function policy(): object {
  return {
    apiVersion: 'ringmaster.dev/v1alpha1', kind: 'RolloutPolicy', metadata: { name: benchPolicy },
    spec: {
      release: `${benchPackage}-${version}`,
      selector: { matchLabels: { 'service.name': benchPackage } },
      rings: [{ name: 'ring-0', percent: 1 }, { name: 'ring-1', percent: 10 }, { name: 'ring-2', percent: 100 }],
      strategy: { maxConcurrent: '100%', installTimeout: '5m', healthyFor: '0s' },
    },
  };
}

async function commit(git: SimpleGit, clone: string, path: string, text: string, message: string): Promise<string> {
  await mkdir(join(clone, path, '..'), { recursive: true });
  await writeFile(join(clone, path), text);
  await git.add('.').commit(message);
  for (let attempt = 1; ; attempt += 1) {
    try {
      await git.push('origin', 'main');
      break;
    } catch (error) {
      // The server commits statuses to the same branch: rebase over them and push again.
      if (attempt >= 5) throw error;
      await git.pull('origin', 'main', ['--rebase', '--quiet']);
    }
  }
  return (await git.revparse(['HEAD'])).trim();
}
