/**
 * `StatusWriter` over Git: status files committed by a bot identity to a status branch.
 *
 * Batching: policy statuses are committed at most once per `intervalMs` (default 10 s);
 * writes in between are coalesced into one commit whose message lists every summary. The
 * inventory changes whenever an agent reports, so on its own it is committed at most once
 * per `inventoryIntervalMs` (default 5 min); it rides along free with every policy commit.
 * A commit happens only when a file's bytes changed (`generatedAt` alone is not a change).
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Inventory, StatusWriter } from '../../controller/ports.ts';
import type { PolicyStatus } from '../../manifests/types.ts';
import { RingmasterGitError } from '../../sources/git/git-error.ts';
import { ensureBareRepository, validateBranch, validateUrl } from '../../sources/git/git-mirror.ts';
import { normalizeTreePath } from '../../sources/git/git-objects.ts';
import { redactUrl, type GitAuth } from '../../sources/git/git-process.ts';
import { fetchStatusBase, type StatusTarget } from './push-status.ts';
import { readCommittedStatus } from './read-status-files.ts';
import type { GitIdentity } from './status-commit.ts';
import { renderInventory, renderInventoryAgents, renderPolicyStatus, validatePolicyName } from './status-files.ts';
import { createStatusBatcher, type StatusBatchStats } from './status-batcher.ts';

export interface GitStatusWriterOptions {
  url: string;
  /** The branch the source watches. Default `main`. */
  watchedBranch?: string;
  /** Status branch. Default: the watched branch. */
  branch?: string;
  /** A missing status branch starts as an orphan (default) or from the watched branch's head. */
  newBranchFrom?: 'orphan' | 'watched';
  /** Manifest subfolder (same as the source's); status goes to `<path>/<statusDir>/`. */
  path?: string;
  statusDir?: string;
  /** Its own bare repository, separate from the source's. */
  workDir: string;
  /** Default `Ringmaster <ringmaster@localhost>`. */
  author?: GitIdentity;
  /** At most one policy status commit per interval. Default 10 s. */
  intervalMs?: number;
  /** At most one inventory-only commit per interval. Default 5 min. */
  inventoryIntervalMs?: number;
  /** Default 5. */
  maxPushAttempts?: number;
  /** First push retry delay (doubling). Default 500 ms. */
  initialBackoffMs?: number;
  /** Default 30 s. */
  maxBackoffMs?: number;
  /** Largest status file `readAll` accepts. Default 4 MiB. */
  maxFileBytes?: number;
  gitTimeoutMs?: number;
  auth?: GitAuth;
  logger?: Logger;
}

export type GitStatusStats = StatusBatchStats;

function statusFolderOf(options: GitStatusWriterOptions): string {
  const root = normalizeTreePath(options.path);
  const statusDir = normalizeTreePath(options.statusDir ?? 'status');
  if (statusDir === '') throw new RingmasterGitError('E_GIT_OPTIONS', 'statusDir must name a folder (default "status")');
  return root === '' ? statusDir : `${root}/${statusDir}`;
}

function targetOf(options: GitStatusWriterOptions, logger: Logger): StatusTarget {
  const watchedBranch = validateBranch(options.watchedBranch ?? 'main');
  const remote = { url: validateUrl(options.url), ...(options.auth ? { auth: options.auth } : {}), ...(options.gitTimeoutMs ? { timeoutMs: options.gitTimeoutMs } : {}) };
  return {
    workDir: options.workDir, remote, watchedBranch,
    branch: validateBranch(options.branch ?? watchedBranch),
    newBranchFrom: options.newBranchFrom ?? 'orphan',
    identity: options.author ?? { name: 'Ringmaster', email: 'ringmaster@localhost' },
    maxPushAttempts: options.maxPushAttempts ?? 5,
    initialBackoffMs: options.initialBackoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    logger,
  };
}

/**
 * Creates the Git status writer. Files: `<path>/<statusDir>/<policy>.yaml` (canonical YAML of
 * `PolicyStatus`) and `<path>/<statusDir>/inventory.json`. `readAll()` reads them at the
 * remote status branch head. `close()` flushes what is pending, then refuses further writes.
 */
export function createGitStatusWriter(options: GitStatusWriterOptions): StatusWriter & { stats(): GitStatusStats } {
  const folder = statusFolderOf(options);
  const base = options.logger ?? pino({ level: 'silent' });
  // Keep a caller's `component` binding: pino would print the key twice.
  const logger = base.child({ ...(base.bindings().component ? {} : { component: 'git-status' }), url: redactUrl(options.url) });
  const target = targetOf(options, logger);
  let prepared: Promise<void> | undefined;
  const prepare = (): Promise<void> => (prepared ??= ensureBareRepository(options.workDir).catch((err: unknown) => {
    prepared = undefined;
    throw err;
  }));
  const batcher = createStatusBatcher({
    target, prepare, logger,
    intervalMs: options.intervalMs ?? 10_000,
    inventoryIntervalMs: options.inventoryIntervalMs ?? 300_000,
  });
  const inventoryPath = `${folder}/inventory.json`;

  return {
    readAll: () => batcher.exclusive(async () => {
      await prepare();
      const { head } = await fetchStatusBase({ ...target, newBranchFrom: 'orphan' });
      if (head === undefined) return {};
      const committed = await readCommittedStatus(options.workDir, head, folder, options.maxFileBytes ?? 4 * 1024 * 1024);
      for (const path of committed.skipped) logger.warn({ path }, 'skipping a status file that is not a valid status');
      batcher.remember(committed.raw, inventoryPath);
      return committed.statuses;
    }),
    write: async (policy: string, status: PolicyStatus, summary: string) => {
      const name = validatePolicyName(policy);
      batcher.setPolicy({ policy: name, path: `${folder}/${name}.yaml`, content: renderPolicyStatus(status), summary });
    },
    writeInventory: async (inventory: Inventory) => {
      const agents = renderInventoryAgents(inventory);
      batcher.setInventory({ path: inventoryPath, content: renderInventory(inventory.generatedAt, agents), agents: inventory.agents.length });
    },
    flush: () => batcher.flush(),
    close: () => batcher.close(),
    stats: () => batcher.stats(),
  };
}

