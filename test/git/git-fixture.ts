/**
 * Real Git repositories for the adapter tests: a bare "remote" in a temp dir and working
 * clones that humans push from, driven with the `git` CLI.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Runs git in `cwd` with a clean environment and a fixed human identity. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  }
  const { stdout } = await exec('git', ['-c', 'user.name=Alice Human', '-c', 'user.email=alice@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export interface GitFixture {
  root: string;
  /** The bare remote, usable as a URL. */
  remote: string;
  /** A fresh work dir path (not created) for an adapter. */
  workDir(name: string): string;
  /** A working clone of the remote on `branch` (cloned on first use, pulled afterwards). */
  clone(name?: string, branch?: string): Promise<string>;
  /** Writes (string) or deletes (null) files in a clone, commits and pushes; resolves with the commit. */
  commit(files: Record<string, string | null>, message: string, options?: { clone?: string; branch?: string }): Promise<string>;
  /** `git log --format=<format>` of a branch on the remote. */
  log(branch: string, format?: string): Promise<string[]>;
  /** The content of a file on a branch of the remote, or undefined. */
  show(branch: string, path: string): Promise<string | undefined>;
  cleanup(): Promise<void>;
}

/** Creates a temp dir with an empty bare remote whose default branch is `main`. */
export async function createGitFixture(): Promise<GitFixture> {
  const root = await mkdtemp(join(tmpdir(), 'ringmaster-git-'));
  const remote = join(root, 'remote.git');
  await git(root, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  const clones = new Map<string, string>();

  async function clone(name = 'alice', branch = 'main'): Promise<string> {
    const key = `${name}@${branch}`;
    const existing = clones.get(key);
    if (existing !== undefined) {
      await git(existing, 'fetch', '--quiet', 'origin');
      await git(existing, 'reset', '--quiet', '--hard', `origin/${branch}`).catch(() => undefined); // branch not pushed yet
      return existing;
    }
    const dir = join(root, `clone-${name}-${branch.replaceAll('/', '-')}`);
    await git(root, 'clone', '--quiet', remote, dir);
    await git(dir, 'checkout', '--quiet', '-B', branch, `origin/${branch}`).catch(() => git(dir, 'checkout', '--quiet', '-B', branch));
    clones.set(key, dir);
    return dir;
  }

  return {
    root,
    remote,
    workDir: (name) => join(root, 'work', name),
    clone,
    commit: async (files, message, options = {}) => {
      const branch = options.branch ?? 'main';
      const dir = await clone(options.clone, branch);
      const removed = Object.keys(files).filter((path) => files[path] === null);
      const written = Object.keys(files).filter((path) => files[path] !== null);
      for (const path of written) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), files[path] ?? '');
      }
      if (removed.length > 0) await git(dir, 'rm', '--quiet', '--', ...removed);
      if (written.length > 0) await git(dir, 'add', '--', ...written);
      await git(dir, 'commit', '--quiet', '--allow-empty', '-m', message);
      await git(dir, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
      return (await git(dir, 'rev-parse', 'HEAD')).trim();
    },
    log: async (branch, format = '%H %an <%ae> %s') => (await git(remote, 'log', `--format=${format}`, branch)).split('\n').filter((line) => line !== ''),
    show: async (branch, path) => git(remote, 'show', `${branch}:${path}`).catch(() => undefined),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Polls `check` until it returns true (generous timeout: the machine is shared). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
