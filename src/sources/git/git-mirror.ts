/**
 * A bare repository in a work dir that mirrors one branch of a remote. Bare, because
 * Ringmaster reads files from Git objects and builds commits with plumbing: no checkout to
 * keep clean, nothing for a crashed process to leave half-done. Reused across restarts.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RingmasterGitError } from './git-error.ts';
import { createGitClient, redactSecrets, redactUrl, runGit, type GitAuth } from './git-process.ts';

/** Where and how to reach the remote. */
export interface GitRemote {
  url: string;
  auth?: GitAuth;
  /** Kill a git network command after this long without output. Default 120 s. */
  timeoutMs?: number;
}

/** Rejects branch names git would refuse or read as options. */
export function validateBranch(branch: string): string {
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-') || branch.startsWith('/') || branch.includes('..') || branch.endsWith('/') || branch.endsWith('.lock')) {
    throw new RingmasterGitError('E_GIT_OPTIONS', `branch "${branch}" is not a valid branch name`);
  }
  return branch;
}

/** Rejects URLs that git would read as options. */
export function validateUrl(url: string): string {
  if (url.length === 0 || url.startsWith('-')) {
    throw new RingmasterGitError('E_GIT_OPTIONS', `git URL "${redactUrl(url)}" is not a URL or path`);
  }
  return url;
}

/** Creates `workDir` as a bare repository, or reuses it if it already is one. */
export async function ensureBareRepository(workDir: string): Promise<void> {
  try {
    await mkdir(workDir, { recursive: true });
    const isRepo = await stat(join(workDir, 'HEAD')).then(() => true, () => false);
    if (isRepo) {
      const bare = (await runGit(workDir, ['rev-parse', '--is-bare-repository'])).toString('utf8').trim();
      if (bare === 'true') return;
    } else if ((await readdir(workDir)).length === 0) {
      await runGit(workDir, ['init', '--quiet', '--bare']);
      return;
    }
  } catch (err) {
    throw new RingmasterGitError('E_GIT_WORKDIR', `cannot use ${workDir} as a git work dir: ${(err as Error).message}`, { cause: err });
  }
  throw new RingmasterGitError('E_GIT_WORKDIR', `${workDir} is not empty and is not a Ringmaster work dir: point the work dir at an empty folder`);
}

/** Was the fetch refused because the branch does not exist on the remote? */
export function isMissingRemoteRef(err: unknown): boolean {
  return /couldn't find remote ref|could not find remote ref/i.test(String((err as Error)?.message ?? err));
}

/**
 * Fetches `branch` from the remote into the local ref `localRef` and resolves with its
 * commit hash, or `undefined` when the remote has no such branch. Other failures reject with
 * a transient `E_GIT_FETCH` whose message carries no credentials.
 */
export async function fetchBranch(workDir: string, remote: GitRemote, branch: string, localRef: string, signal?: AbortSignal): Promise<string | undefined> {
  const git = createGitClient(workDir, remote.auth, remote.timeoutMs, signal);
  try {
    await git.raw(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote.url, `+refs/heads/${branch}:${localRef}`]);
  } catch (err) {
    if (isMissingRemoteRef(err)) return undefined;
    const message = redactSecrets((err as Error).message, remote.auth).trim();
    throw new RingmasterGitError('E_GIT_FETCH', `fetching ${branch} from ${redactUrl(remote.url)} failed: ${message}`, { kind: 'transient', cause: new Error(message) });
  }
  return (await runGit(workDir, ['rev-parse', '--verify', `${localRef}^{commit}`])).toString('utf8').trim();
}
