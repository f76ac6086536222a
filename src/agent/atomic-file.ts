/**
 * Atomic file replacement: write a temporary file next to the target, flush it to disk,
 * then rename it over the target. A crash leaves either the old or the new content, never
 * a torn file (rename is atomic within one filesystem on POSIX and NTFS).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temporary path in the same directory as `target` (same filesystem, so rename is atomic). */
export function siblingTempPath(target: string, tag = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes `data` to `target` atomically, with the given file mode. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const temp = siblingTempPath(target);
  const handle = await open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
