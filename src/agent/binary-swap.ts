/**
 * The file side of a binary upgrade: `<binary>.bak` holds the previous binary, the new
 * one is renamed into place atomically, and a journal in the state directory records the
 * swap until the new binary proved healthy — so the next start can undo a swap that a
 * crash interrupted.
 */
import { chmod, copyFile, rename, rm, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { siblingTempPath } from './atomic-file.ts';
import type { StateStore, SwapJournal } from './state-store.ts';

/** The backup path of a binary. */
export function backupPath(binary: string): string {
  return `${binary}.bak`;
}

/** Copies `binary` to `<binary>.bak` (atomically); resolves to the backup path, or null when there is no binary yet. */
export async function backUpBinary(binary: string): Promise<string | null> {
  if (!(await exists(binary))) return null;
  const backup = backupPath(binary);
  const temp = siblingTempPath(backup);
  await copyFile(binary, temp);
  await rename(temp, backup);
  return backup;
}

/** Puts `newFile` in place of `binary` atomically (copy next to it, make it executable, rename). */
export async function swapInBinary(binary: string, newFile: string): Promise<void> {
  const temp = siblingTempPath(binary, 'new');
  await copyFile(newFile, temp);
  await chmod(temp, 0o755);
  await rename(temp, binary);
}

/** Undoes a swap: the backup goes back in place, or the binary is removed when there was none. */
export async function restoreBinary(binary: string, backup: string | null): Promise<void> {
  if (backup !== null && (await exists(backup))) await rename(backup, binary);
  else if (backup === null) await rm(binary, { force: true });
}

/**
 * Repairs a swap a crash interrupted: when a journal is left, the new binary never proved
 * healthy, so the backup is restored. Resolves to the repaired journal, if any.
 */
export async function repairInterruptedSwap(store: StateStore, logger: Logger): Promise<SwapJournal | undefined> {
  const journal = await store.readJournal();
  if (!journal) return undefined;
  logger.warn({ package: journal.package, version: journal.version, binary: journal.binary }, 'restoring the previous binary: a swap was interrupted before the new one proved healthy');
  await restoreBinary(journal.binary, journal.backup);
  await store.clearJournal();
  return journal;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
