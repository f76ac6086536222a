import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactLockError } from '../../src/artifacts/errors.ts';
import { withVersionLock } from '../../src/artifacts/version-lock.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'rm-lock-')); });
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('withVersionLock', () => {
  it('runs holders one at a time and removes the lock file afterwards', async () => {
    const lock = join(dir, '.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 5 }, () => withVersionLock(lock, { timeoutMs: 10_000, staleMs: 60_000 }, async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
    })));
    expect(most).toBe(1);
    await expect(stat(lock)).rejects.toThrow();
  });

  it('waits for a lock file held by another process, then fails with E_ARTIFACT_LOCK', async () => {
    const lock = join(dir, '.lock');
    await writeFile(lock, '99999\n');
    const err = await withVersionLock(lock, { timeoutMs: 100, staleMs: 60_000 }, async () => 'ran').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactLockError);
    expect((err as ArtifactLockError).code).toBe('E_ARTIFACT_LOCK');
    expect((await stat(lock)).isFile()).toBe(true); // someone else's lock is not removed
  });

  it('takes over a stale lock file left by a killed process', async () => {
    const lock = join(dir, '.lock');
    await writeFile(lock, '99999\n');
    const old = new Date(Date.now() - 120_000);
    await utimes(lock, old, old);
    expect(await withVersionLock(lock, { timeoutMs: 1_000, staleMs: 60_000 }, async () => 'ran')).toBe('ran');
  });

  it('releases the lock when the holder throws', async () => {
    const lock = join(dir, '.lock');
    await expect(withVersionLock(lock, { timeoutMs: 1_000, staleMs: 60_000 }, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await withVersionLock(lock, { timeoutMs: 1_000, staleMs: 60_000 }, async () => 'again')).toBe('again');
  });
});
