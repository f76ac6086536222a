import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { ArtifactCorruptError } from './errors.ts';

/**
 * Resolves `path` through every symlink and checks the result is still inside
 * `realRoot` (itself already resolved). Returns `undefined` when the path does not exist;
 * throws {@link ArtifactCorruptError} when a symlink leads out of the store, so nothing
 * outside the root is ever read, whatever was planted inside it.
 */
export async function confinedRealPath(realRoot: string, path: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new ArtifactCorruptError(`${path} resolves outside the package store (${real}); refusing to read it`);
  }
  return real;
}
