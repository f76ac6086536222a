/**
 * Runs `attempt` until it succeeds, waiting with capped exponential backoff between
 * failures; then runs `onSuccess` once. Returns a function that stops further attempts.
 * Used where a dependency (the fleet repository) may be unreachable at start: the server
 * keeps serving and becomes ready once it is reachable.
 */
export function retryForever(
  attempt: () => Promise<void>,
  hooks: {
    onError: (err: unknown, delayMs: number) => void;
    onSuccess: () => Promise<void>;
    /** An error retrying cannot fix: stop and call `onTerminal` instead of retrying. */
    isTerminal?: (err: unknown) => boolean;
    onTerminal?: (err: unknown) => void;
    initialDelayMs?: number;
    maxDelayMs?: number;
  },
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let delay = hooks.initialDelayMs ?? 1_000;
  const run = async (): Promise<void> => {
    if (stopped) return;
    try {
      await attempt();
    } catch (err) {
      if (stopped) return;
      if (hooks.isTerminal?.(err)) {
        stopped = true;
        hooks.onTerminal?.(err);
        return;
      }
      hooks.onError(err, delay);
      timer = setTimeout(() => void run(), delay);
      delay = Math.min(delay * 2, hooks.maxDelayMs ?? 60_000);
      return;
    }
    if (!stopped) await hooks.onSuccess();
  };
  void run().catch((err: unknown) => hooks.onError(err, 0));
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
