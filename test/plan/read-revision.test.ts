/** Reading the committed status of base from Git objects, in a real repository. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCommittedStatus, statusFolder } from '../../src/plan/inputs/read-revision.ts';
import { git } from './fixture-repo.ts';

let dir: string | undefined;

async function repoWith(files: Record<string, string>): Promise<{ dir: string; commit: string }> {
  dir = await mkdtemp(join(tmpdir(), 'ringmaster-plan-status-'));
  await git(dir, 'init', '-q', '-b', 'main');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await git(dir, 'add', '-A', '.');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', 'status');
  return { dir, commit: await git(dir, 'rev-parse', 'HEAD') };
}

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const layout = { path: 'fleet/', statusDir: 'status' };

describe('readCommittedStatus', () => {
  it('reads policy statuses by file name and the inventory, ignoring subfolders and other files', async () => {
    const r = await repoWith({
      'fleet/status/otelcol-custom.yaml': 'phase: Baking\nrelease: r-1\nspecHash: abc\nrings: []\nconditions: []\n',
      'fleet/status/inventory.json': '{"agents": []}',
      'fleet/status/archive/old.yaml': 'not: read',
      'fleet/status/README.txt': 'not read',
      'fleet/policies/p.yaml': 'kind: RolloutPolicy',
    });
    const status = await readCommittedStatus(r.dir, r.commit, layout);
    expect(Object.keys(status.previous)).toEqual(['otelcol-custom']);
    expect(status.previous['otelcol-custom']).toMatchObject({ phase: 'Baking', release: 'r-1', specHash: 'abc' });
    expect(status.inventory).toEqual({ path: 'fleet/status/inventory.json', text: '{"agents": []}' });
  });

  it('is empty when base has no status folder yet (the first rollout)', async () => {
    const r = await repoWith({ 'fleet/policies/p.yaml': 'kind: RolloutPolicy' });
    expect(await readCommittedStatus(r.dir, r.commit, layout)).toEqual({ previous: {} });
  });

  it.each([
    ['not YAML', 'phase: [', /fleet\/status\/p\.yaml is not valid YAML/],
    ['not a status', 'hello: world', /fleet\/status\/p\.yaml is not a policy status: it needs phase, release and rings/],
  ])('refuses a status file that is %s with E_PLAN_STATUS', async (_name, content, want) => {
    const r = await repoWith({ 'fleet/status/p.yaml': content });
    const err = (await readCommittedStatus(r.dir, r.commit, layout).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    )) as Error & { code?: string };
    expect(err.code).toBe('E_PLAN_STATUS');
    expect(err.message).toMatch(want);
  });

  it('places the status folder under --path', () => {
    expect(statusFolder({ path: '', statusDir: 'status' })).toBe('status');
    expect(statusFolder({ path: './fleet/', statusDir: 'state/' })).toBe('fleet/state');
  });
});
