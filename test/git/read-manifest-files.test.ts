/**
 * The standalone object reader (`ringmaster plan --base/--head`) on a working clone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifestFilesAt, resolveRevision } from '../../src/sources/git/read-manifest-files.ts';
import { createGitFixture, git, type GitFixture } from './git-fixture.ts';

describe('readManifestFilesAt / resolveRevision', () => {
  let fixture: GitFixture;
  let clone: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    fixture = await createGitFixture();
    first = await fixture.commit({ 'fleet/a.yaml': 'kind: A # v1\n', 'fleet/status/a.yaml': 'phase: Baking\n', 'top.yaml': 'kind: Top\n' }, 'first');
    second = await fixture.commit({ 'fleet/a.yaml': 'kind: A # v2\n', 'fleet/b.yml': 'kind: B\n' }, 'second');
    clone = await fixture.clone();
  });
  afterAll(() => fixture.cleanup());

  it('reads any revision without checking it out', async () => {
    expect(await readManifestFilesAt(clone, 'HEAD~1', 'fleet')).toEqual([{ path: 'fleet/a.yaml', content: 'kind: A # v1\n' }]);
    expect(await readManifestFilesAt(clone, second, 'fleet')).toEqual([
      { path: 'fleet/a.yaml', content: 'kind: A # v2\n' },
      { path: 'fleet/b.yml', content: 'kind: B\n' },
    ]);
    expect((await git(clone, 'status', '--porcelain')).trim()).toBe('');
  });

  it('reads the whole repository when no path is given, still excluding status/ under the root only', async () => {
    const files = await readManifestFilesAt(clone, first);
    expect(files.map((file) => file.path)).toEqual(['fleet/a.yaml', 'fleet/status/a.yaml', 'top.yaml']);
  });

  it('works on a bare repository too', async () => {
    expect(await readManifestFilesAt(fixture.remote, 'main', 'fleet/')).toHaveLength(2);
  });

  it('resolves branches, tags and abbreviations to full commits', async () => {
    expect(await resolveRevision(clone, 'HEAD')).toBe(second);
    expect(await resolveRevision(clone, first.slice(0, 10))).toBe(first);
    expect(await resolveRevision(clone, 'origin/main')).toBe(second);
  });

  it('names the revision and how to fix it when it does not exist', async () => {
    await expect(resolveRevision(clone, 'no-such-branch')).rejects.toMatchObject({ code: 'E_GIT_REVISION', message: expect.stringContaining('"no-such-branch"') });
    await expect(readManifestFilesAt(clone, '--output=/tmp/x')).rejects.toMatchObject({ code: 'E_GIT_REVISION' });
    await expect(readManifestFilesAt(clone, 'HEAD', '../outside')).rejects.toMatchObject({ code: 'E_GIT_OPTIONS' });
  });

  it('refuses trees over maxFiles or maxTotalBytes before reading them', async () => {
    await expect(readManifestFilesAt(clone, second, 'fleet', { maxFiles: 1 })).rejects.toMatchObject({ code: 'E_GIT_TOO_MANY_FILES', message: expect.stringContaining('raise maxFiles') });
    await expect(readManifestFilesAt(clone, second, 'fleet', { maxTotalBytes: 10 })).rejects.toMatchObject({ code: 'E_GIT_TOO_MANY_FILES', message: expect.stringContaining('raise maxTotalBytes') });
    await expect(readManifestFilesAt(clone, second, 'fleet', { maxFileBytes: 10 })).rejects.toMatchObject({ code: 'E_GIT_FILE_TOO_LARGE', message: expect.stringContaining('fleet/a.yaml') });
  });

  it('reads hundreds of files with two git processes (timing reported, not asserted)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 500; i += 1) files[`many/r${String(i).padStart(3, '0')}.yaml`] = `kind: PackageRelease\nmetadata: {name: r${i}}\n${'# padding\n'.repeat(50)}`;
    const head = await fixture.commit(files, 'five hundred releases');
    const started = performance.now();
    const read = await readManifestFilesAt(fixture.remote, head, 'many');
    const elapsed = performance.now() - started;
    expect(read).toHaveLength(500);
    expect(read[499]).toEqual({ path: 'many/r499.yaml', content: files['many/r499.yaml'] });
    console.info(`readManifestFilesAt: 500 files in ${elapsed.toFixed(0)} ms`);
  });
});
