/**
 * Reads the committed status files back (resume after a restart), straight from Git objects.
 */
import type { PolicyStatus } from '../../manifests/types.ts';
import { listTree, readBlobs } from '../../sources/git/git-objects.ts';
import { parsePolicyStatus } from './status-files.ts';

export interface CommittedStatus {
  /** Keyed by policy name (the file name without `.yaml`). */
  statuses: Record<string, PolicyStatus>;
  /** Repository path → exact committed text of every status file read (inventory included). */
  raw: Map<string, string>;
  /** Files that were skipped: too large, or not a status document. */
  skipped: string[];
}

/** Reads `<statusFolder>/*.yaml` and `<statusFolder>/inventory.json` at `commit`. */
export async function readCommittedStatus(repoDir: string, commit: string, statusFolder: string, maxFileBytes: number): Promise<CommittedStatus> {
  const result: CommittedStatus = { statuses: {}, raw: new Map(), skipped: [] };
  const prefix = `${statusFolder}/`;
  const entries = (await listTree(repoDir, commit, statusFolder)).filter((entry) => {
    const name = entry.path.slice(prefix.length);
    return !name.includes('/') && (name.endsWith('.yaml') || name === 'inventory.json');
  });
  const readable = entries.filter((entry) => entry.size <= maxFileBytes);
  for (const entry of entries) if (entry.size > maxFileBytes) result.skipped.push(entry.path);
  const blobs = await readBlobs(repoDir, readable.map((entry) => entry.oid));
  for (const entry of readable) {
    const text = (blobs.get(entry.oid) ?? Buffer.alloc(0)).toString('utf8');
    result.raw.set(entry.path, text);
    if (entry.path.endsWith('inventory.json')) continue;
    const status = parsePolicyStatus(text);
    if (status === undefined) result.skipped.push(entry.path);
    else result.statuses[entry.path.slice(prefix.length, -'.yaml'.length)] = status;
  }
  return result;
}
