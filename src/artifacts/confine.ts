import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { ArtifactOutsideRootError } from './errors.ts';

/**
 * Resolves `path` through every symlink and checks the result is still inside
 * `realRoot` (itself already resolved); `label` names the path in errors without
 * revealing the server's directories. Returns `undefined` when the path does not exist;
 * throws {@link ArtifactOutsideRootError} when a symlink leads out of the store, so nothing
 * outside the root is ever read, whatever was planted inside it.
 */
export async function confinedRealPath(realRoot: string, path: string, label: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    throw new ArtifactOutsideRootError(label);
  }
  return real;
}
