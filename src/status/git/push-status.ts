/**
 * Fetch → build → push, never forced. A rejected push (someone pushed in between) fetches
 * the new head and builds the status commit again on top of it, with exponential backoff,
 * up to `maxPushAttempts`. Nothing on the remote is ever overwritten or lost.
 */
import type { Logger } from 'pino';
import { RingmasterGitError } from '../../sources/git/git-error.ts';
import { fetchBranch, type GitRemote } from '../../sources/git/git-mirror.ts';
import { createGitClient, redactSecrets } from '../../sources/git/git-process.ts';
import { buildStatusCommit, type GitIdentity } from './status-commit.ts';

/** Where status commits go. */
export interface StatusTarget {
  workDir: string;
  remote: GitRemote;
  branch: string;
  watchedBranch: string;
  /** How a missing status branch starts: an orphan (root commit) or the watched branch's head. */
  newBranchFrom: 'orphan' | 'watched';
  identity: GitIdentity;
  maxPushAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  logger: Logger;
}

export interface PushOutcome {
  /** The pushed commit; undefined when the remote already had exactly this content. */
  commit?: string;
  attempts: number;
  /** Pushes refused because the remote moved (non-fast-forward). */
  rejections: number;
}

export const STATUS_REF = 'refs/ringmaster/status';
const WATCHED_REF = 'refs/ringmaster/watched';

/** Was a push refused because the remote branch moved? (simple-git `GitError` carries git's stderr.) */
export function isRejectedPush(err: unknown): boolean {
  return /\[rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref/i.test(String((err as Error)?.message ?? err));
}

/** The commit to build on: the status branch head, or where a new status branch starts. */
export async function fetchStatusBase(target: StatusTarget): Promise<{ head?: string; base?: string }> {
  const head = await fetchBranch(target.workDir, target.remote, target.branch, STATUS_REF);
  if (head !== undefined) return { head, base: head };
  if (target.newBranchFrom === 'watched' && target.branch !== target.watchedBranch) {
    const watched = await fetchBranch(target.workDir, target.remote, target.watchedBranch, WATCHED_REF);
    return watched === undefined ? {} : { base: watched };
  }
  return {};
}

async function pushOnce(target: StatusTarget, commit: string): Promise<void> {
  const git = createGitClient(target.workDir, target.remote.auth, target.remote.timeoutMs);
  await git.raw(['push', '--quiet', target.remote.url, `${commit}:refs/heads/${target.branch}`]);
}

function backoff(target: StatusTarget, attempt: number): number {
  const base = Math.min(target.maxBackoffMs, target.initialBackoffMs * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + Math.random() / 2));
}

/** Commits `files` on the remote status branch (see the file comment for the retry rules). */
export async function commitAndPushStatus(target: StatusTarget, files: ReadonlyMap<string, string>, message: string): Promise<PushOutcome> {
  let rejections = 0;
  let lastError: unknown;
  for (let attempt = 1; attempt <= target.maxPushAttempts; attempt += 1) {
    try {
      const { base } = await fetchStatusBase(target);
      const commit = await buildStatusCommit(target.workDir, base, files, target.identity, redactSecrets(message, target.remote.auth));
      if (commit === undefined) return { attempts: attempt, rejections };
      await pushOnce(target, commit);
      return { commit, attempts: attempt, rejections };
    } catch (err) {
      lastError = err;
      const rejected = isRejectedPush(err);
      if (rejected) rejections += 1;
      const reason = redactSecrets(err instanceof Error ? err.message : String(err), target.remote.auth).trim();
      target.logger.warn({ attempt, rejected, err: reason }, rejected ? 'status push rejected: the branch moved; rebuilding on the new head' : 'status push failed');
      if (attempt < target.maxPushAttempts) await new Promise((resolve) => setTimeout(resolve, backoff(target, attempt)));
    }
  }
  const reason = redactSecrets(lastError instanceof Error ? lastError.message : String(lastError), target.remote.auth).trim();
  throw new RingmasterGitError('E_GIT_PUSH', `status push to ${target.branch} failed after ${target.maxPushAttempts} attempts (${rejections} rejected): ${reason}`, { kind: 'transient', cause: new Error(reason) });
}
