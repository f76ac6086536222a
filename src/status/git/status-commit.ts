/**
 * Builds a status commit with plumbing in a bare repository: start from the base commit's
 * tree, replace the status files, write the tree, commit. "Rebasing" onto a newer remote head
 * is simply building again on that head — every other file comes from the remote (humans'
 * work is kept), the status files are ours (they are only ever written by Ringmaster).
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from '../../sources/git/git-process.ts';

/** The bot identity of status commits. */
export interface GitIdentity {
  name: string;
  email: string;
}

/**
 * Commits `files` (repository path → content) on top of `base` (undefined: a root commit on
 * an orphan branch). Resolves with the new commit, or undefined when the tree would not
 * change (nothing to commit).
 */
export async function buildStatusCommit(repoDir: string, base: string | undefined, files: ReadonlyMap<string, string>, identity: GitIdentity, message: string): Promise<string | undefined> {
  const indexFile = join(repoDir, `ringmaster-${randomUUID()}.index`);
  const env = { GIT_INDEX_FILE: indexFile };
  try {
    await runGit(repoDir, base === undefined ? ['read-tree', '--empty'] : ['read-tree', base], { env });
    const lines: string[] = [];
    for (const [path, content] of files) {
      const oid = (await runGit(repoDir, ['hash-object', '-w', '--stdin'], { input: content })).toString('utf8').trim();
      lines.push(`100644 ${oid}\t${path}\n`);
    }
    await runGit(repoDir, ['update-index', '--index-info'], { env, input: lines.join('') });
    const tree = (await runGit(repoDir, ['write-tree'], { env })).toString('utf8').trim();
    if (base !== undefined) {
      const baseTree = (await runGit(repoDir, ['rev-parse', `${base}^{tree}`])).toString('utf8').trim();
      if (baseTree === tree) return undefined;
    }
    const who = {
      GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email,
    };
    const parents = base === undefined ? [] : ['-p', base];
    const commit = await runGit(repoDir, ['commit-tree', tree, ...parents, '-F', '-'], { env: who, input: message });
    return commit.toString('utf8').trim();
  } finally {
    await rm(indexFile, { force: true });
  }
}
