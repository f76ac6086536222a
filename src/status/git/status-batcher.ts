/**
 * The batching half of the Git status writer: holds pending file contents, decides when a
 * commit is due, and serializes commits. Content that equals what the remote already has is
 * never pending, so an unchanged status costs nothing.
 */
import type { Logger } from 'pino';
import { RingmasterGitError } from '../../sources/git/git-error.ts';
import { formatStatusCommitMessage, type PolicyChange } from './commit-message.ts';
import { commitAndPushStatus, type PushOutcome, type StatusTarget } from './push-status.ts';

export interface PolicyWrite {
  policy: string;
  path: string;
  content: string;
  summary: string;
}

export interface InventoryWrite {
  path: string;
  content: string;
  agents: number;
}

/** Counters of the Git status writer. */
export interface StatusBatchStats {
  /** Status commits pushed. */
  commits: number;
  /** Flushes that found the remote already holding exactly this content. */
  unchanged: number;
  pushAttempts: number;
  /** Pushes refused because the branch moved (each followed by a rebuild on the new head). */
  pushRejections: number;
  /** Batches that failed after every attempt (kept pending and retried). */
  failedBatches: number;
  pendingPolicies: number;
  inventoryPending: boolean;
  lastCommit?: string;
  /** Epoch ms. */
  lastCommitAt?: number;
  lastError?: { code: string; message: string; at: number };
}

interface Pending {
  path: string;
  content: string;
  summaries: string[];
}

/** `generatedAt` alone is not a change of the inventory. */
function inventoryKey(content: string): string {
  return content.replace(/^ {2}"generatedAt": .*\n/m, '');
}

/** What the Git status writer drives. */
export interface StatusBatcher {
  /** Records what the remote holds (from `readAll`), so identical writes are no-ops. */
  remember(raw: ReadonlyMap<string, string>, inventoryPath: string): void;
  /** Queues a policy's file unless the remote already has these bytes. Throws after `close()`. */
  setPolicy(write: PolicyWrite): void;
  /** Queues the inventory unless only `generatedAt` changed. Throws after `close()`. */
  setInventory(write: InventoryWrite): void;
  /** Runs `task` between commits, never during one (both fetch into the same local ref). */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** Commits everything pending now, after any commit in flight; rejects if the push fails. */
  flush(): Promise<void>;
  /** Flushes, then refuses further writes. */
  close(): Promise<void>;
  /** `pendingPolicies` / `inventoryPending` include a batch being pushed right now. */
  stats(): StatusBatchStats;
}

/** One commit's worth of pending content. */
interface Batch {
  policies: Map<string, Pending>;
  inventory: InventoryWrite | undefined;
  files: Map<string, string>;
}

export interface StatusBatcherOptions {
  target: StatusTarget;
  prepare(): Promise<void>;
  logger: Logger;
  intervalMs: number;
  inventoryIntervalMs: number;
}

/** Creates the batcher; see `createGitStatusWriter` for the rules it implements. */
export function createStatusBatcher(options: StatusBatcherOptions): StatusBatcher {
  const { target, logger } = options;
  const committed = new Map<string, string>();
  const pending = new Map<string, Pending>();
  let pendingInventory: InventoryWrite | undefined;
  let inFlight: Batch | undefined;
  let lastCommitAt = Number.NEGATIVE_INFINITY;
  let lastInventoryAt = Number.NEGATIVE_INFINITY;
  let retryAt = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let dueAt: number | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const stats: StatusBatchStats = { commits: 0, unchanged: 0, pushAttempts: 0, pushRejections: 0, failedBatches: 0, pendingPolicies: 0, inventoryPending: false };

  function due(): number | undefined {
    const policyDue = pending.size > 0 ? lastCommitAt + options.intervalMs : Number.POSITIVE_INFINITY;
    const inventoryDue = pendingInventory ? Math.max(lastInventoryAt + options.inventoryIntervalMs, lastCommitAt + options.intervalMs) : Number.POSITIVE_INFINITY;
    const next = Math.min(policyDue, inventoryDue);
    return next === Number.POSITIVE_INFINITY ? undefined : Math.max(next, retryAt, Date.now());
  }

  function schedule(): void {
    const next = closed ? undefined : due();
    if (timer !== undefined && next === dueAt) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    dueAt = next;
    if (next === undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      dueAt = undefined;
      void enqueue().catch(() => undefined);
    }, Math.max(0, next - Date.now()));
    timer.unref();
  }

  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = chain.then(task);
    chain = run.then(() => undefined, () => undefined);
    return run;
  }

  function enqueue(): Promise<void> {
    return exclusive(commitPending);
  }

  function takeBatch(): Batch {
    const batch: Batch = { policies: new Map(pending), inventory: pendingInventory, files: new Map() };
    for (const entry of batch.policies.values()) batch.files.set(entry.path, entry.content);
    if (batch.inventory) batch.files.set(batch.inventory.path, batch.inventory.content);
    pending.clear();
    pendingInventory = undefined;
    lastCommitAt = Date.now();
    if (batch.inventory) lastInventoryAt = lastCommitAt;
    return batch;
  }

  function recordSuccess(batch: Batch, outcome: PushOutcome): void {
    stats.pushAttempts += outcome.attempts;
    stats.pushRejections += outcome.rejections;
    for (const [path, content] of batch.files) committed.set(path, path === batch.inventory?.path ? inventoryKey(content) : content);
    failures = 0;
    retryAt = Number.NEGATIVE_INFINITY;
    if (outcome.commit === undefined) {
      stats.unchanged += 1;
      return;
    }
    stats.commits += 1;
    stats.lastCommit = outcome.commit;
    stats.lastCommitAt = Date.now();
    logger.info({ commit: outcome.commit, files: batch.files.size, attempts: outcome.attempts }, 'status committed');
  }

  /** Puts a failed batch back; content written meanwhile is newer and wins, summaries add up. */
  function recordFailure(batch: Batch, err: unknown): void {
    failures += 1;
    retryAt = Date.now() + Math.min(target.maxBackoffMs, target.initialBackoffMs * 2 ** failures);
    stats.failedBatches += 1;
    stats.pushAttempts += target.maxPushAttempts;
    const code = err instanceof RingmasterGitError ? err.code : 'E_GIT_PUSH';
    stats.lastError = { code, message: err instanceof Error ? err.message : String(err), at: Date.now() };
    logger.error({ code, err: stats.lastError.message }, 'status commit failed; keeping it pending');
    for (const [policy, entry] of batch.policies) {
      const newer = pending.get(policy);
      pending.set(policy, newer ? { ...newer, summaries: [...entry.summaries, ...newer.summaries] } : entry);
    }
    pendingInventory ??= batch.inventory;
  }

  async function commitPending(): Promise<void> {
    if (pending.size === 0 && pendingInventory === undefined) return;
    const batch = takeBatch();
    inFlight = batch;
    const changes: PolicyChange[] = [...batch.policies].map(([policy, entry]) => ({ policy, summaries: entry.summaries }));
    try {
      await options.prepare();
      recordSuccess(batch, await commitAndPushStatus(target, batch.files, formatStatusCommitMessage(changes, batch.inventory?.agents)));
    } catch (err) {
      recordFailure(batch, err);
      throw err;
    } finally {
      inFlight = undefined;
      schedule();
    }
  }

  function assertOpen(): void {
    if (closed) throw new RingmasterGitError('E_STATUS_CLOSED', 'the status writer is closed: create a new one');
  }

  return {
    remember(raw, inventoryPath) {
      for (const [path, content] of raw) committed.set(path, path === inventoryPath ? inventoryKey(content) : content);
    },
    setPolicy(write) {
      assertOpen();
      if (committed.get(write.path) === write.content) pending.delete(write.policy);
      else {
        const entry = pending.get(write.policy) ?? { path: write.path, content: write.content, summaries: [] };
        entry.content = write.content;
        if (entry.summaries.at(-1) !== write.summary) entry.summaries.push(write.summary);
        pending.set(write.policy, entry);
      }
      schedule();
    },
    setInventory(write) {
      assertOpen();
      pendingInventory = committed.get(write.path) === inventoryKey(write.content) ? undefined : write;
      schedule();
    },
    exclusive,
    flush: () => enqueue(),
    async close() {
      if (closed) return chain;
      closed = true;
      schedule();
      await enqueue();
    },
    stats: () => ({
      ...structuredClone(stats),
      pendingPolicies: new Set([...pending.keys(), ...(inFlight?.policies.keys() ?? [])]).size,
      inventoryPending: pendingInventory !== undefined || inFlight?.inventory !== undefined,
    }),
  };
}
