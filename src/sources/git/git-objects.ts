/**
 * Reads files straight from Git objects, without a checkout: `ls-tree -r -z --long` lists a
 * tree (with blob sizes, so oversized files are refused before they are read) and one
 * `cat-file --batch` process streams every blob. Hundreds of files cost two processes.
 */
import { RingmasterGitError } from './git-error.ts';
import { runGit } from './git-process.ts';

/** One blob of a tree listing. `path` is relative to the repository root. */
export interface TreeEntry {
  path: string;
  oid: string;
  size: number;
  /** `100644` or `100755` (regular files); symlinks and submodules are not listed. */
  mode: string;
}

/**
 * Turns a user's subfolder (`fleet/`, `./fleet`, ``) into the canonical `fleet` form
 * (empty string for the repository root). Rejects `..` and absolute paths.
 */
export function normalizeTreePath(path: string | undefined): string {
  const parts = (path ?? '').split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..') || (path ?? '').startsWith('/')) {
    throw new RingmasterGitError('E_GIT_OPTIONS', `path "${path}" must be relative to the repository root and must not contain ".."`);
  }
  return parts.join('/');
}

/** Resolves `rev` (branch, tag, hash, `HEAD~1`) to a full commit hash in `repoDir`. */
export async function resolveRevision(repoDir: string, rev: string): Promise<string> {
  if (rev.startsWith('-') || rev.length === 0) {
    throw new RingmasterGitError('E_GIT_REVISION', `"${rev}" is not a revision: name a branch, tag or commit`);
  }
  try {
    const out = await runGit(repoDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    return out.toString('utf8').trim();
  } catch (err) {
    throw new RingmasterGitError('E_GIT_REVISION', `revision "${rev}" does not name a commit in ${repoDir}: check the branch, tag or hash (and fetch it first)`, { cause: err });
  }
}

/** Lists the regular files under `prefix` (repository-relative, '' for all) at commit `rev`. */
export async function listTree(repoDir: string, rev: string, prefix: string): Promise<TreeEntry[]> {
  const args = ['ls-tree', '-r', '-z', '--long', '--full-tree', rev];
  if (prefix !== '') args.push('--', `${prefix}/`);
  const out = (await runGit(repoDir, args)).toString('utf8');
  const entries: TreeEntry[] = [];
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode = '', type = '', oid = '', size = ''] = record.slice(0, tab).split(/ +/);
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755')) continue;
    entries.push({ path: record.slice(tab + 1), oid, size: Number(size), mode });
  }
  return entries;
}

/** Reads blobs by object id with one `cat-file --batch`; resolves oid → raw bytes. */
export async function readBlobs(repoDir: string, oids: readonly string[]): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  const unique = [...new Set(oids)];
  if (unique.length === 0) return blobs;
  const out = await runGit(repoDir, ['cat-file', '--batch'], { input: unique.map((oid) => `${oid}\n`).join('') });
  let offset = 0;
  while (offset < out.length) {
    const newline = out.indexOf(0x0a, offset);
    if (newline < 0) break;
    const [oid = '', type = '', size = ''] = out.subarray(offset, newline).toString('utf8').split(' ');
    if (type === 'missing' || size === '') {
      throw new RingmasterGitError('E_GIT_COMMAND', `object ${oid} is missing from ${repoDir}`);
    }
    const start = newline + 1;
    const end = start + Number(size);
    blobs.set(oid, out.subarray(start, end));
    offset = end + 1; // content is followed by a newline
  }
  return blobs;
}
