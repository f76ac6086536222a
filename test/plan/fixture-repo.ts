/**
 * Builds a real Git repository from a plan fixture: `base/` is committed on `main`, `head/`
 * on a branch `change` forked from it. Both trees live under `fleet/`, with the fleet's
 * inventory at `fleet/status/inventory.json` and base's policy statuses in `fleet/status/`,
 * as Git mode would have committed them.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FIXTURES = new URL('../fixtures/plan/', import.meta.url).pathname;

export interface FixtureRepo {
  dir: string;
  base: string;
  head: string;
  cleanup: () => Promise<void>;
}

// Fixed identities and dates make the commit ids the same on every run.
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Fixture', GIT_AUTHOR_EMAIL: 'fixture@example.com', GIT_AUTHOR_DATE: '2026-11-21T09:00:00Z',
  GIT_COMMITTER_NAME: 'Fixture', GIT_COMMITTER_EMAIL: 'fixture@example.com', GIT_COMMITTER_DATE: '2026-11-21T09:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
};

export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: dir, env: GIT_ENV });
  return stdout.trim();
}

/** Commits `tree` (a fixture folder) as the whole of `fleet/`, plus the inventory and status. */
async function commitTree(dir: string, tree: string, caseDir: string, message: string): Promise<string> {
  await rm(join(dir, 'fleet'), { recursive: true, force: true });
  await mkdir(join(dir, 'fleet', 'status'), { recursive: true });
  await cp(tree, join(dir, 'fleet'), { recursive: true });
  const baseStatus = join(caseDir, 'base', 'status');
  if (existsSync(baseStatus)) await cp(baseStatus, join(dir, 'fleet', 'status'), { recursive: true });
  const inventory = existsSync(join(caseDir, 'inventory.json')) ? join(caseDir, 'inventory.json') : join(FIXTURES, 'inventory.json');
  await cp(inventory, join(dir, 'fleet', 'status', 'inventory.json'));
  await git(dir, 'add', '-A', '.');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

/** Creates the repository of fixture case `name` in a fresh temp dir. */
export async function createFixtureRepo(name: string): Promise<FixtureRepo> {
  const caseDir = join(FIXTURES, name);
  const dir = await mkdtemp(join(tmpdir(), `ringmaster-plan-${name}-`));
  await git(dir, 'init', '-q', '-b', 'main');
  const base = await commitTree(dir, join(caseDir, 'base'), caseDir, 'base');
  await git(dir, 'checkout', '-q', '-b', 'change');
  const head = await commitTree(dir, join(caseDir, 'head'), caseDir, 'head');
  return { dir, base, head, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
