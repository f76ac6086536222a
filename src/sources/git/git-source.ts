/**
 * `ManifestSource` over a Git branch: a bare mirror in a work dir, fetched on a jittered
 * poll and on `sync()` (the push webhook), with manifests read straight from Git objects.
 *
 * Revision rule: a snapshot's `revision` is the fetched commit, but a new snapshot (and
 * `onChange`) happens only when the manifest files changed (their paths and blob ids).
 * Commits that touch nothing but `<path>/<statusDir>/` — the controller's own status
 * commits — keep the previous snapshot and revision; otherwise every status commit would
 * trigger a reconcile that writes another status commit, forever.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { ManifestSnapshot, ManifestSource } from '../../controller/ports.ts';
import { RingmasterGitError } from './git-error.ts';
import { normalizeTreePath } from './git-objects.ts';
import { ensureBareRepository, fetchBranch, validateBranch, validateUrl } from './git-mirror.ts';
import { redactUrl, type GitAuth } from './git-process.ts';
import { listManifestFiles, readListedFiles, type ReadManifestOptions } from './read-manifest-files.ts';
import { createSyncLoop } from './sync-loop.ts';

export interface GitSourceOptions extends ReadManifestOptions {
  /** Remote URL (`https://…`, `ssh://…`, `git@host:…`) or a local path. */
  url: string;
  /** Branch to watch. Default `main`. */
  branch?: string;
  /** Subfolder holding the manifests, relative to the repository root. Default: the root. */
  path?: string;
  /** Where the bare mirror lives; created if missing, reused across restarts. */
  workDir: string;
  /** Poll interval. Default 30 s, with ±10 % jitter. */
  intervalMs?: number;
  /** First retry delay after a failed fetch (doubling up to `maxBackoffMs`). Default 1 s. */
  initialBackoffMs?: number;
  /** Longest retry delay. Default 5 min. */
  maxBackoffMs?: number;
  /** Kill a fetch after this long without output. Default 120 s. */
  gitTimeoutMs?: number;
  auth?: GitAuth;
  logger?: Logger;
}

/** Counters for `/metrics` and tests. */
export interface GitSourceStats {
  fetches: number;
  fetchErrors: number;
  /** Failures since the last successful sync (0 when healthy). */
  consecutiveErrors: number;
  /** New snapshots produced (the first one included). */
  changes: number;
  /** Commit of the last fetch (may be ahead of the snapshot's revision: status-only commits). */
  fetchedCommit?: string;
  revision?: string;
  /** Epoch ms. */
  lastSuccessAt?: number;
  lastError?: { code: string; message: string; at: number };
}

const LOCAL_REF = 'refs/ringmaster/source';

/**
 * Creates the Git manifest source. Nothing happens until `start()`, which fetches once and
 * resolves with the first snapshot available (or rejects, leaving no timers behind).
 * Listeners registered before `start()` are told about the first snapshot too.
 * Fetch failures after that keep the last snapshot, are counted in `stats()`, and are
 * retried with exponential backoff; they never throw out of the poll loop.
 */
export function createGitManifestSource(options: GitSourceOptions): ManifestSource & { stats(): GitSourceStats } {
  const url = validateUrl(options.url);
  const branch = validateBranch(options.branch ?? 'main');
  const path = normalizeTreePath(options.path);
  const base = options.logger ?? pino({ level: 'silent' });
  // Keep a caller's `component` binding: pino would print the key twice.
  const logger = base.child({ ...(base.bindings().component ? {} : { component: 'git-source' }), url: redactUrl(url), branch });
  const remote = { url, ...(options.auth ? { auth: options.auth } : {}), ...(options.gitTimeoutMs ? { timeoutMs: options.gitTimeoutMs } : {}) };
  const listeners = new Set<(snapshot: ManifestSnapshot) => void>();
  const stats: GitSourceStats = { fetches: 0, fetchErrors: 0, consecutiveErrors: 0, changes: 0 };
  let snapshot: ManifestSnapshot | undefined;
  let fingerprint: string | undefined;
  let prepared = false;
  // stop() kills a fetch in flight (a hung remote must not hold up shutdown for gitTimeoutMs).
  let abort = new AbortController();

  async function fetchOnce(): Promise<ManifestSnapshot> {
    if (!prepared) {
      await ensureBareRepository(options.workDir);
      prepared = true;
    }
    stats.fetches += 1;
    const commit = await fetchBranch(options.workDir, remote, branch, LOCAL_REF, abort.signal);
    if (commit === undefined) {
      throw new RingmasterGitError('E_GIT_FETCH', `branch ${branch} does not exist on ${redactUrl(url)}: push it or pick another --branch`, { kind: 'transient' });
    }
    stats.fetchedCommit = commit;
    const listing = await listManifestFiles(options.workDir, commit, path, options);
    if (snapshot !== undefined && listing.fingerprint === fingerprint) return snapshot;
    const files = await readListedFiles(options.workDir, listing);
    snapshot = { revision: commit, files };
    fingerprint = listing.fingerprint;
    stats.changes += 1;
    stats.revision = commit;
    logger.info({ revision: commit, files: files.length }, 'manifests changed');
    // An empty tree is legal (everything was deleted) but is usually a wrong --path.
    if (files.length === 0) logger.warn({ revision: commit, path: path || '/' }, 'no .yaml/.yml manifest files under the path: check --path');
    for (const listener of listeners) notify(listener, snapshot);
    return snapshot;
  }

  function notify(listener: (snapshot: ManifestSnapshot) => void, value: ManifestSnapshot): void {
    try {
      listener(value);
    } catch (err) {
      logger.error({ err }, 'onChange listener threw');
    }
  }

  function recordError(err: unknown, at: number): void {
    const code = err instanceof RingmasterGitError ? err.code : 'E_GIT_COMMAND';
    const message = err instanceof Error ? err.message : String(err);
    stats.fetchErrors += 1;
    stats.consecutiveErrors += 1;
    stats.lastError = { code, message, at };
    logger.warn({ code, err: message, consecutiveErrors: stats.consecutiveErrors }, 'git sync failed; keeping the last snapshot');
  }

  const loop = createSyncLoop<ManifestSnapshot>({
    run: fetchOnce,
    intervalMs: options.intervalMs ?? 30_000,
    initialBackoffMs: options.initialBackoffMs ?? 1_000,
    maxBackoffMs: options.maxBackoffMs ?? 300_000,
    onSuccess: (at) => {
      stats.consecutiveErrors = 0;
      stats.lastSuccessAt = at;
    },
    onError: recordError,
  });

  return {
    start: async () => {
      if (abort.signal.aborted) abort = new AbortController();
      await loop.start();
    },
    stop: async () => {
      abort.abort();
      await loop.stop();
    },
    current: () => snapshot,
    sync: () => loop.sync(),
    onChange: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    stats: () => structuredClone(stats),
  };
}
