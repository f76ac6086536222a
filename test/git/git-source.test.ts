/**
 * The Git manifest source on real repositories: polling, sync, the status-only rule,
 * limits, fetch failures and credentials.
 */
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManifestSnapshot } from '../../src/controller/ports.ts';
import { createGitManifestSource } from '../../src/sources/git/git-source.ts';
import { releaseDocument } from '../contract/manifest-source.contract.ts';
import { createGitFixture, git, waitFor, type GitFixture } from './git-fixture.ts';

describe('Git manifest source', () => {
  let fixture: GitFixture;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    fixture = await createGitFixture();
    await fixture.commit({
      'fleet/releases/a.yaml': releaseDocument('release-a', '1.0.0'),
      'fleet/policy.yml': 'kind: RolloutPolicy\n',
      'fleet/notes.md': '# not a manifest\n',
      'other/elsewhere.yaml': 'kind: NotOurs\n',
    }, 'initial fleet');
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await fixture.cleanup();
  });

  function source(options: Partial<Parameters<typeof createGitManifestSource>[0]> = {}) {
    const created = createGitManifestSource({ url: fixture.remote, path: 'fleet/', workDir: fixture.workDir('source'), intervalMs: 60_000, ...options });
    stops.push(() => created.stop());
    return created;
  }

  it('reads only .yaml/.yml under the path, with repository-relative paths, sorted', async () => {
    const s = source();
    await s.start();
    expect(s.current()?.files.map((file) => file.path)).toEqual(['fleet/policy.yml', 'fleet/releases/a.yaml']);
    expect(s.current()?.files[1]?.content).toBe(releaseDocument('release-a', '1.0.0'));
    expect(s.current()?.revision).toBe((await fixture.log('main', '%H'))[0]);
  });

  it('sees a push on the next poll, without sync()', async () => {
    const s = source({ intervalMs: 150 });
    const seen: ManifestSnapshot[] = [];
    s.onChange((snapshot) => seen.push(snapshot));
    await s.start();
    expect(seen).toEqual([s.current()]); // the first snapshot is a change too
    seen.length = 0;
    const pushed = await fixture.commit({ 'fleet/releases/b.yaml': releaseDocument('release-b', '2.0.0') }, 'add b');
    await waitFor(() => s.current()?.revision === pushed, 20_000, 'the poll to see the push');
    expect(seen.map((snapshot) => snapshot.revision)).toEqual([pushed]);
    expect(s.stats().fetches).toBeGreaterThanOrEqual(2);
  });

  it('keeps the snapshot and revision for commits that only touch the status folder', async () => {
    const s = source();
    await s.start();
    let changes = 0;
    s.onChange(() => (changes += 1));
    const before = s.current();
    const statusOnly = await fixture.commit({ 'fleet/status/otelcol-custom.yaml': 'phase: Baking\n', 'fleet/status/inventory.json': '{}\n' }, 'otelcol-custom: ring canary succeeded (5/5)');
    const after = await s.sync();
    expect(after).toBe(before);
    expect(changes).toBe(0);
    expect(s.stats()).toMatchObject({ fetchedCommit: statusOnly, revision: before?.revision, changes: 1 });
    const manifestChange = await fixture.commit({ 'fleet/policy.yml': 'kind: RolloutPolicy # edited\n' }, 'edit policy');
    expect((await s.sync()).revision).toBe(manifestChange);
    expect(changes).toBe(1);
  });

  it('excludes <path>/status/ but not a status folder elsewhere, and honours statusDir', async () => {
    await fixture.commit({ 'fleet/status/x.yaml': 'a\n', 'fleet/state/y.yaml': 'b\n', 'fleet/deep/status/z.yaml': 'c\n' }, 'folders');
    const s = source({ statusDir: 'state' });
    await s.start();
    expect(s.current()?.files.map((file) => file.path)).toEqual(['fleet/deep/status/z.yaml', 'fleet/policy.yml', 'fleet/releases/a.yaml', 'fleet/status/x.yaml']);
  });

  it('skips symlinks (their target is not a manifest of this tree)', async () => {
    const clone = await fixture.clone();
    await symlink('../other/elsewhere.yaml', join(clone, 'fleet/link.yaml'));
    await git(clone, 'add', 'fleet/link.yaml');
    await git(clone, 'commit', '-q', '-m', 'add a symlink');
    await git(clone, 'push', '-q', 'origin', 'HEAD:main');
    const s = source();
    await s.start();
    expect(s.current()?.files.map((file) => file.path)).toEqual(['fleet/policy.yml', 'fleet/releases/a.yaml']);
  });

  it('coalesces a burst of syncs into at most two fetches that see the latest push', async () => {
    const s = source();
    await s.start();
    const fetches = s.stats().fetches;
    const pushed = await fixture.commit({ 'fleet/releases/c.yaml': releaseDocument('release-c', '3.0.0') }, 'add c');
    const results = await Promise.all(Array.from({ length: 10 }, () => s.sync()));
    expect(s.stats().fetches - fetches).toBeLessThanOrEqual(2);
    expect(results.at(-1)?.revision).toBe(pushed);
  });

  it('refuses an oversized file with E_GIT_FILE_TOO_LARGE, keeps the last snapshot, and recovers', async () => {
    const s = source({ maxFileBytes: 2048 });
    await s.start();
    const before = s.current();
    await fixture.commit({ 'fleet/huge.yaml': `# ${'x'.repeat(5000)}\n` }, 'too big');
    await expect(s.sync()).rejects.toMatchObject({ code: 'E_GIT_FILE_TOO_LARGE', message: expect.stringContaining('fleet/huge.yaml') });
    expect(s.current()).toBe(before);
    expect(s.stats()).toMatchObject({ fetchErrors: 1, consecutiveErrors: 1, lastError: { code: 'E_GIT_FILE_TOO_LARGE' } });
    const fixed = await fixture.commit({ 'fleet/huge.yaml': null }, 'remove it');
    const after = await s.sync();
    expect(after.revision).toBe(before?.revision); // same manifests as before: no new snapshot
    expect(s.stats()).toMatchObject({ consecutiveErrors: 0, fetchedCommit: fixed });
  });

  it('refuses a file that is not UTF-8 with E_GIT_FILE_ENCODING', async () => {
    const s = source();
    await s.start();
    const clone = await fixture.clone();
    await writeFile(join(clone, 'fleet/latin1.yaml'), Buffer.from([0x6b, 0x3a, 0x20, 0xe9, 0xff, 0x0a]));
    await git(clone, 'add', 'fleet/latin1.yaml');
    await git(clone, 'commit', '-q', '-m', 'latin-1 file');
    await git(clone, 'push', '-q', 'origin', 'HEAD:main');
    await expect(s.sync()).rejects.toMatchObject({ code: 'E_GIT_FILE_ENCODING', message: expect.stringContaining('fleet/latin1.yaml') });
  });

  it('refuses more files than maxFiles with E_GIT_TOO_MANY_FILES', async () => {
    const s = source({ maxFiles: 1 });
    await expect(s.start()).rejects.toMatchObject({ code: 'E_GIT_TOO_MANY_FILES' });
    expect(s.current()).toBeUndefined();
  });

  it('survives an unreachable remote: keeps the snapshot, retries with backoff, recovers', async () => {
    const s = source({ intervalMs: 100, initialBackoffMs: 50, maxBackoffMs: 200 });
    await s.start();
    const before = s.current();
    const moved = `${fixture.remote}.away`;
    await rename(fixture.remote, moved);
    await waitFor(() => s.stats().consecutiveErrors >= 3, 20_000, 'three failed fetches');
    expect(s.current()).toBe(before);
    expect(s.stats().lastError).toMatchObject({ code: 'E_GIT_FETCH' });
    await rename(moved, fixture.remote);
    await waitFor(() => s.stats().consecutiveErrors === 0, 20_000, 'recovery');
    expect(s.current()).toBe(before);
  });

  it('start() rejects when the branch does not exist, and leaves no poll running', async () => {
    const s = source({ branch: 'nope', intervalMs: 50 });
    await expect(s.start()).rejects.toMatchObject({ code: 'E_GIT_FETCH', message: expect.stringContaining('branch nope does not exist') });
    const fetches = s.stats().fetches;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.stats().fetches).toBe(fetches);
  });

  it('stop() kills a fetch hanging on an unresponsive remote', async () => {
    let requests = 0;
    const server = createServer(() => void (requests += 1)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const s = source({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fleet.git` });
      const started = s.start();
      await waitFor(() => requests > 0, 20_000, 'git to reach the remote');
      const stopping = Date.now();
      await s.stop();
      await expect(started).rejects.toMatchObject({ code: 'E_GIT_FETCH' });
      expect(Date.now() - stopping).toBeLessThan(60_000); // far below the 120 s git timeout
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reuses its work dir after a restart and refuses a foreign one', async () => {
    const first = source();
    await first.start();
    await first.stop();
    const second = source();
    await second.start();
    expect(second.current()?.revision).toBe(first.current()?.revision);
    const foreign = fixture.workDir('foreign');
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, 'precious.txt'), 'do not touch\n');
    await expect(source({ workDir: foreign }).start()).rejects.toMatchObject({ code: 'E_GIT_WORKDIR' });
  });

  it('rejects bad options with E_GIT_OPTIONS before touching anything', () => {
    expect(() => source({ branch: '--upload-pack=evil' })).toThrow(expect.objectContaining({ code: 'E_GIT_OPTIONS' }));
    expect(() => source({ path: '../etc' })).toThrow(expect.objectContaining({ code: 'E_GIT_OPTIONS' }));
    expect(() => source({ url: '--evil' })).toThrow(expect.objectContaining({ code: 'E_GIT_OPTIONS' }));
  });

  it('never logs or reports the token, even from a URL that carries it', async () => {
    let logs = '';
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => { logs += String(chunk); done(); } }));
    const token = 'ghp_SuperSecretToken123456';
    const s = source({ url: `http://ringmaster:${token}@127.0.0.1:9/fleet.git`, auth: { token }, logger, gitTimeoutMs: 10_000 });
    const error = await s.start().then(() => undefined, (err: unknown) => err as Error);
    expect(error).toMatchObject({ code: 'E_GIT_FETCH' });
    expect(`${error?.message} ${String((error?.cause as Error | undefined)?.message)}`).not.toContain(token);
    expect(JSON.stringify(s.stats())).not.toContain(token);
    expect(logs).toContain('git sync failed');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
  });
});
