/**
 * Reads what a plan needs from one Git revision, straight from Git objects (no checkout,
 * so a dirty working tree or another branch checked out changes nothing): the manifests,
 * validated by the same loader the controller uses, and the status the controller committed
 * under `<path>/<statusDir>/` (policy statuses and `inventory.json`).
 */
import { parse as parseYaml } from 'yaml';
import type { ManifestSet } from '../../manifests/load.ts';
import { loadManifests } from '../../manifests/load.ts';
import type { PolicyStatus } from '../../manifests/types.ts';
import { listTree, normalizeTreePath, readBlobs } from '../../sources/git/git-objects.ts';
import { readManifestFilesAt, resolveRevision } from '../../sources/git/read-manifest-files.ts';
import { PlanInputError } from './plan-error.ts';

export { resolveRevision };

/** Where the manifests live in the repository. */
export interface RevisionLayout {
  /** Folder of the manifests, relative to the repository root; `''` for the root. */
  path: string;
  /** Status folder under `path`. Default `status`. */
  statusDir: string;
}

/** The validated manifests at `commit`. Git errors propagate (`RingmasterGitError`). */
export async function readManifestSetAt(repoDir: string, commit: string, layout: RevisionLayout): Promise<ManifestSet> {
  const files = await readManifestFilesAt(repoDir, commit, layout.path, { statusDir: layout.statusDir });
  return loadManifests(files);
}

/** What the controller last committed: policy statuses by name, and the inventory's text. */
export interface CommittedStatus {
  previous: Record<string, PolicyStatus>;
  /** Path and text of `inventory.json`, when committed. */
  inventory?: { path: string; text: string };
}

/** Largest status file read, in bytes. */
export const MAX_STATUS_FILE_BYTES = 64 * 1024 * 1024;

/** Reads `<path>/<statusDir>/*.yaml` and `inventory.json` at `commit`; absent folder = nothing. */
export async function readCommittedStatus(repoDir: string, commit: string, layout: RevisionLayout): Promise<CommittedStatus> {
  const dir = statusFolder(layout);
  const entries = (await listTree(repoDir, commit, dir)).filter((e) => !e.path.slice(dir.length + 1).includes('/'));
  const wanted = entries.filter((e) => /\.ya?ml$/.test(e.path) || e.path.endsWith('/inventory.json'));
  for (const e of wanted) {
    if (e.size > MAX_STATUS_FILE_BYTES) {
      throw new PlanInputError('E_PLAN_STATUS', `${e.path} at ${commit.slice(0, 12)} is ${e.size} bytes, over the limit of ${MAX_STATUS_FILE_BYTES}`);
    }
  }
  const blobs = await readBlobs(repoDir, wanted.map((e) => e.oid));
  const status: CommittedStatus = { previous: {} };
  for (const e of wanted) {
    const text = (blobs.get(e.oid) ?? Buffer.alloc(0)).toString('utf8');
    if (e.path.endsWith('/inventory.json')) status.inventory = { path: e.path, text };
    else status.previous[policyName(e.path)] = parseStatus(text, e.path);
  }
  return status;
}

/** `<path>/<statusDir>` as a tree path (`fleet/status`, or `status` at the root). */
export function statusFolder(layout: RevisionLayout): string {
  const root = normalizeTreePath(layout.path);
  const dir = normalizeTreePath(layout.statusDir);
  return root === '' ? dir : `${root}/${dir}`;
}

function policyName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.ya?ml$/, '');
}

// The controller wrote it; check only what the plan reads, and say which file is off.
function parseStatus(text: string, path: string): PolicyStatus {
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new PlanInputError('E_PLAN_STATUS', `${path} is not valid YAML (${(err as Error).message}): fix or delete it`, { cause: err });
  }
  const s = data as Partial<PolicyStatus> | null;
  const ok = typeof s === 'object' && s !== null && typeof s.phase === 'string' && typeof s.release === 'string' && Array.isArray(s.rings);
  if (!ok) throw new PlanInputError('E_PLAN_STATUS', `${path} is not a policy status: it needs phase, release and rings`);
  return { specHash: '', conditions: [], ...s } as PolicyStatus;
}
