/**
 * The agent's local memory in its state directory: the instance uid, what is installed
 * (so a restarted agent reports truthfully), install failures already reported (so a
 * re-sent offer is not retried in a loop), and the swap journal that lets the next start
 * repair a crash in the middle of a binary swap.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError, describeError } from './errors.ts';
import { writeFileAtomic } from './atomic-file.ts';
import type { PackageType } from '../manifests/types.ts';

/** One package as installed on this host. Hashes are lowercase hex. */
export interface InstalledPackage {
  type: PackageType;
  version: string;
  /** The server's opaque package hash, echoed as `agent_has_hash`. */
  hash: string;
  /** SHA-256 of the installed file. */
  sha256: string;
}

/** An offer this agent tried and failed; not retried until the server offers something else. */
export interface FailedOffer {
  version: string;
  hash: string;
  error: string;
}

/** Everything the agent remembers across restarts (`state.json`). */
export interface AgentLocalState {
  /** Canonical UUID string; absent before the first start. */
  instanceUid?: string;
  packages: Record<string, InstalledPackage>;
  failures: Record<string, FailedOffer>;
  /** Aggregate hash (hex) of the last offer whose every package was installed. */
  allPackagesHash?: string;
}

/** Written before a binary swap, removed once the new binary proved healthy or was rolled back. */
export interface SwapJournal {
  package: string;
  binary: string;
  /** Path of the backup, or null when there was no previous binary. */
  backup: string | null;
  version: string;
  /** The server's package hash (hex) being installed. */
  hash: string;
  /** Epoch ms. */
  startedAt: number;
}

/** Atomic persistence of the state and the swap journal. */
export interface StateStore {
  readonly dir: string;
  load(): Promise<AgentLocalState>;
  save(state: AgentLocalState): Promise<void>;
  readJournal(): Promise<SwapJournal | undefined>;
  writeJournal(journal: SwapJournal): Promise<void>;
  clearJournal(): Promise<void>;
}

/** Opens (creating if needed) the state directory `dir`. One directory per agent. */
export function createStateStore(dir: string): StateStore {
  const statePath = join(dir, 'state.json');
  const journalPath = join(dir, 'swap-journal.json');
  return {
    dir,
    async load() {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const raw = await readJson(statePath);
      if (raw === undefined) return { packages: {}, failures: {} };
      return parseState(raw, statePath);
    },
    async save(state) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`, 0o600);
    },
    async readJournal() {
      const raw = await readJson(journalPath);
      return raw === undefined ? undefined : (raw as SwapJournal);
    },
    async writeJournal(journal) {
      await writeFileAtomic(journalPath, `${JSON.stringify(journal, null, 2)}\n`, 0o600);
    },
    async clearJournal() {
      await rm(journalPath, { force: true });
    },
  };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentError('E_AGENT_STATE', `cannot read ${path}: ${describeError(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AgentError('E_AGENT_STATE', `${path} is not valid JSON (${describeError(err)}); move it away to start with a fresh state`, { cause: err });
  }
}

function parseState(raw: unknown, path: string): AgentLocalState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AgentError('E_AGENT_STATE', `${path} must hold a JSON object; move it away to start with a fresh state`);
  }
  const r = raw as Partial<AgentLocalState>;
  const state: AgentLocalState = { packages: r.packages ?? {}, failures: r.failures ?? {} };
  if (typeof r.instanceUid === 'string') state.instanceUid = r.instanceUid;
  if (typeof r.allPackagesHash === 'string') state.allPackagesHash = r.allPackagesHash;
  return state;
}
