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

/** Limits and exclusions of the manifest reader. */
export interface ReadManifestOptions {
  /** Folder under `path` that holds Ringmaster's status files; never read as manifests. Default `status`. */
  statusDir?: string;
  /** Largest manifest file accepted, in bytes. Default 1 MiB. */
  maxFileBytes?: number;
  /** Most manifest files accepted. Default 5000. */
  maxFiles?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_FILES = 5000;

/** The manifest blobs of a commit, before they are read: enough to tell whether anything changed. */
export interface ManifestListing {
  entries: TreeEntry[];
  /** SHA-256 over the sorted (path, blob id) pairs: equal fingerprints mean equal manifests. */
  fingerprint: string;
}

function isManifestPath(path: string, statusPrefix: string): boolean {
  return /\.ya?ml$/i.test(path) && !path.startsWith(statusPrefix);
}

/**
 * Lists the `.yaml`/`.yml` files under `path` at commit `rev` (excluding `<path>/<statusDir>/`)
 * and checks the limits. Throws `E_GIT_FILE_TOO_LARGE` / `E_GIT_TOO_MANY_FILES` naming the file.
 */
export async function listManifestFiles(repoDir: string, rev: string, path?: string, options: ReadManifestOptions = {}): Promise<ManifestListing> {
  const root = normalizeTreePath(path);
  const statusDir = normalizeTreePath(options.statusDir ?? 'status');
  const statusPrefix = `${root === '' ? '' : `${root}/`}${statusDir}/`;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  const entries = (await listTree(repoDir, rev, root)).filter((entry) => isManifestPath(entry.path, statusPrefix));
  if (entries.length > maxFiles) {
    throw new RingmasterGitError('E_GIT_TOO_MANY_FILES', `${entries.length} manifest files under "${root || '/'}" at ${rev.slice(0, 12)} exceed the limit of ${maxFiles}: split the repository or raise maxFiles`);
  }
  for (const entry of entries) {
    if (entry.size > maxFileBytes) {
      throw new RingmasterGitError('E_GIT_FILE_TOO_LARGE', `${entry.path} at ${rev.slice(0, 12)} is ${entry.size} bytes, over the limit of ${maxFileBytes}: split the file or raise maxFileBytes`);
    }
  }
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
