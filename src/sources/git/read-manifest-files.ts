/**
 * The manifest files of one commit, read from Git objects. Used by the Git source on every
 * fetch and by `ringmaster plan --base/--head` on a local repository.
 */
import { createHash } from 'node:crypto';
import type { ManifestFile } from '../../manifests/types.ts';
import { RingmasterGitError } from './git-error.ts';
import { listTree, normalizeTreePath, readBlobs, type TreeEntry } from './git-objects.ts';

import { resolveRevision } from './git-objects.ts';

export { resolveRevision };

/**
 * Limits and exclusions of the manifest reader. The limits guard memory: they are deliberately
 * looser than the manifest loader's (1 MiB per file, 5000 files), so that an ordinary
 * oversized file reaches the loader and is reported like any other manifest error (file,
 * line, `Stalled`), while an absurd one is refused here before it is read.
 */
export interface ReadManifestOptions {
  /** Folder under `path` that holds Ringmaster's status files; never read as manifests. Default `status`. */
  statusDir?: string;
  /** Largest manifest file read, in bytes. Default 8 MiB. */
  maxFileBytes?: number;
  /** Most manifest files read. Default 20000. */
  maxFiles?: number;
  /** Largest total of all manifest files read, in bytes. Default 128 MiB. */
  maxTotalBytes?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 20_000;
export const DEFAULT_MAX_TOTAL_BYTES = 128 * 1024 * 1024;

/** The manifest blobs of a commit, before they are read: enough to tell whether anything changed. */
export interface ManifestListing {
  entries: TreeEntry[];
  /** SHA-256 over the sorted (path, blob id) pairs: equal fingerprints mean equal manifests. */
  fingerprint: string;
}

function isManifestPath(path: string, statusPrefix: string): boolean {
  return /\.ya?ml$/i.test(path) && !path.startsWith(statusPrefix);
}

/** Throws when the listed files exceed a limit, naming the file or the folder and the fix. */
function checkLimits(entries: readonly TreeEntry[], where: string, rev: string, options: ReadManifestOptions): void {
  const at = `under "${where || '/'}" at ${rev.slice(0, 12)}`;
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  if (entries.length > maxFiles) {
    throw new RingmasterGitError('E_GIT_TOO_MANY_FILES', `${entries.length} manifest files ${at} exceed the limit of ${maxFiles}: split the repository or raise maxFiles`);
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const tooLarge = entries.find((entry) => entry.size > maxFileBytes);
  if (tooLarge) {
    throw new RingmasterGitError('E_GIT_FILE_TOO_LARGE', `${tooLarge.path} at ${rev.slice(0, 12)} is ${tooLarge.size} bytes, over the limit of ${maxFileBytes}: split the file or raise maxFileBytes`);
  }
  const total = entries.reduce((sum, entry) => sum + entry.size, 0);
  const maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  if (total > maxTotalBytes) {
    throw new RingmasterGitError('E_GIT_TOO_MANY_FILES', `manifest files ${at} total ${total} bytes, over the limit of ${maxTotalBytes}: split the repository or raise maxTotalBytes`);
  }
}

/**
 * Lists the `.yaml`/`.yml` files under `path` at commit `rev` (excluding `<path>/<statusDir>/`)
 * and checks the limits (`E_GIT_FILE_TOO_LARGE`, `E_GIT_TOO_MANY_FILES`) before anything is read.
 */
export async function listManifestFiles(repoDir: string, rev: string, path?: string, options: ReadManifestOptions = {}): Promise<ManifestListing> {
  const root = normalizeTreePath(path);
  const statusDir = normalizeTreePath(options.statusDir ?? 'status');
  const statusPrefix = `${root === '' ? '' : `${root}/`}${statusDir}/`;
  const entries = (await listTree(repoDir, rev, root)).filter((entry) => isManifestPath(entry.path, statusPrefix));
  checkLimits(entries, root, rev, options);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.path}\0${entry.oid}\n`);
  return { entries, fingerprint: hash.digest('hex') };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the listed blobs as UTF-8 text, sorted by path. Throws `E_GIT_FILE_ENCODING` on bad bytes. */
export async function readListedFiles(repoDir: string, listing: ManifestListing): Promise<ManifestFile[]> {
  const blobs = await readBlobs(repoDir, listing.entries.map((entry) => entry.oid));
  return listing.entries.map((entry) => {
    const bytes = blobs.get(entry.oid) ?? Buffer.alloc(0);
    try {
      return { path: entry.path, content: utf8.decode(bytes) };
    } catch (err) {
      throw new RingmasterGitError('E_GIT_FILE_ENCODING', `${entry.path} is not valid UTF-8: save it as UTF-8 text`, { cause: err });
    }
  });
}

/**
 * The manifest files at `rev` in the repository at `repoDir` (bare or not; nothing is checked
 * out). Paths are relative to the repository root (`fleet/policies.yaml`), so errors point at
 * the file a human edits. Only `.yaml`/`.yml` files under `path` count, never those under
 * `<path>/<statusDir>/`. Sorted by path.
 */
export async function readManifestFilesAt(repoDir: string, rev: string, path?: string, options: ReadManifestOptions = {}): Promise<ManifestFile[]> {
  const commit = await resolveRevision(repoDir, rev);
  const listing = await listManifestFiles(repoDir, commit, path, options);
  return readListedFiles(repoDir, listing);
}
