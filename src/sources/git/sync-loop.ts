/**
 * The scheduling half of a polling source: coalesced syncs, a jittered poll, and
 * exponential backoff after failures. Kept apart from Git so its rules are plain to see.
 */

export interface SyncLoopOptions<T> {
  /** One sync. Its errors are reported to `onError` and to the callers of `sync()`. */
  run(): Promise<T>;
  intervalMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Fraction of the delay added or removed at random (default 0.1), so replicas spread out. */
  jitter?: number;
  random?: () => number;
  onSuccess(at: number): void;
  onError(err: unknown, at: number): void;
}

export interface SyncLoop<T> {
  /** First sync, then polling; rejects (and does not poll) if the first sync fails. */
  start(): Promise<T>;
  /**
   * Syncs now. Calls while a sync runs share ONE follow-up sync that starts after it, so a
   * burst of webhooks costs at most two fetches and none of them misses the latest push.
   */
  sync(): Promise<T>;
  /** Stops polling and waits for a running sync to settle. */
  stop(): Promise<void>;
}

/** Creates the loop; no timer runs before `start()`. */
export function createSyncLoop<T>(options: SyncLoopOptions<T>): SyncLoop<T> {
  const random = options.random ?? Math.random;
  const jitter = options.jitter ?? 0.1;
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let failures = 0;

  function delay(): number {
    const base = failures === 0
      ? options.intervalMs
      : Math.min(options.maxBackoffMs, options.initialBackoffMs * 2 ** (failures - 1));
    return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))));
  }

  function schedule(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!polling) return;
    timer = setTimeout(() => void sync().catch(() => undefined), delay());
    timer.unref();
  }

  async function runOnce(): Promise<T> {
    try {
      const value = await options.run();
      failures = 0;
      options.onSuccess(Date.now());
      return value;
    } catch (err) {
      failures += 1;
      options.onError(err, Date.now());
      throw err;
    } finally {
      schedule();
    }
  }

  function sync(): Promise<T> {
    if (running === undefined) {
      running = runOnce().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running.catch(() => undefined).then(() => {
      queued = undefined;
      return sync();
    });
    return queued;
  }

  return {
    start: async () => {
      const value = await sync();
      polling = true;
      schedule();
      return value;
    },
    sync,
    stop: async () => {
      polling = false;
      schedule();
      await Promise.allSettled([running, queued]);
    },
  };
}
