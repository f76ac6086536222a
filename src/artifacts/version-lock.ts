import { open, stat, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArtifactLockError } from './errors.ts';

/**
 * Mutual exclusion for the short commit step of an upload (read manifest, rename the
 * file into place, write the manifest). Inside one process, callers queue on a promise
 * chain; across processes (two `ringmaster package push --dir` at once, or a CLI next to
 * a server) an exclusive-create lock file does the same. Uploads stream *outside* the
 * lock, so a lock is held for milliseconds and a lock file older than `staleMs` can only
 * be left by a killed process.
 */

/** Limits of {@link withVersionLock}. */
export interface VersionLockOptions {
  /** Give up (E_ARTIFACT_LOCK) after waiting this long. */
  timeoutMs: number;
  /** A lock file older than this is treated as abandoned and removed. */
  staleMs: number;
}

const chains = new Map<string, Promise<void>>();

/** Runs `fn` while holding the lock file at `lockPath`; releases it however `fn` ends. */
export async function withVersionLock<T>(lockPath: string, options: VersionLockOptions, fn: () => Promise<T>): Promise<T> {
  const previous = chains.get(lockPath) ?? Promise.resolve();
  let release = (): void => {};
  const mine = new Promise<void>((resolve) => { release = resolve; });
  const tail = previous.then(() => mine);
  chains.set(lockPath, tail);
  await previous;
  try {
    return await withLockFile(lockPath, options, fn);
  } finally {
    release();
    if (chains.get(lockPath) === tail) chains.delete(lockPath);
  }
}

async function withLockFile<T>(lockPath: string, options: VersionLockOptions, fn: () => Promise<T>): Promise<T> {
  await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function acquire(lockPath: string, options: VersionLockOptions): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (await isStale(lockPath, options.staleMs)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new ArtifactLockError(`another writer holds ${lockPath} for more than ${options.timeoutMs} ms; retry, or remove the file if no push is running`);
    }
    await sleep(Math.min(5 * 2 ** Math.min(attempt, 4), 50));
  }
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const info = await stat(lockPath);
    return Date.now() - info.mtimeMs > staleMs;
  } catch {
    return false;
  }
}
