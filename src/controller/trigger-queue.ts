import type { Clock } from './ports.ts';

/** Why a reconcile was asked for; kept for logs and metrics only (level-triggered: never for decisions). */
export type TriggerReason = 'start' | 'manifests' | 'fleet' | 'timer' | 'resync' | 'manual';

export interface TriggerQueueOptions {
  /** Runs one reconcile; never called concurrently with itself. */
  run: (reasons: ReadonlySet<TriggerReason>) => Promise<void>;
  clock: Clock;
  /**
   * Batch window: a run starts this long after the first trigger since the last run, and
   * takes every trigger that arrived meanwhile (later triggers do not push it back).
   */
  debounceMs: number;
  /**
   * Least time between the starts of two runs, raised to twice the last run's duration so
   * a large fleet's reconciles never run back to back and starve the event loop.
   */
  minIntervalMs: number;
  /** Periodic resync whatever happens, with ±10% jitter; 0 disables. */
  resyncMs: number;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
}

/**
 * A single-worker, coalescing trigger queue. Every trigger (Git change, agent report,
 * timer, resync) only marks the world dirty; one run re-reads everything. Triggers that
 * arrive during a run cause exactly one more run after it.
 */
export class TriggerQueue {
  private readonly opts: TriggerQueueOptions;
  private pending = new Set<TriggerReason>();
  private running = false;
  private stopped = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private wakeTimer: ReturnType<typeof setTimeout> | undefined;
  private resyncTimer: ReturnType<typeof setTimeout> | undefined;
  private lastStart = -Infinity;
  private lastDurationMs = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(opts: TriggerQueueOptions) {
    this.opts = opts;
  }

  start(): void {
    this.stopped = false;
    this.scheduleResync();
    this.trigger('start');
  }

  /** Stops timers; a run in progress finishes. Resolves when idle. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of [this.timer, this.wakeTimer, this.resyncTimer]) if (t) clearTimeout(t);
    this.timer = this.wakeTimer = this.resyncTimer = undefined;
    this.timerAt = Infinity;
    this.settle(); // waiters of a run that will now never happen
    await this.idle();
  }

  trigger(reason: TriggerReason): void {
    if (this.stopped) return;
    this.pending.add(reason);
    if (!this.running) this.schedule(this.opts.debounceMs);
  }

  /** Asks for a run at `at` (epoch ms), e.g. when a bake ends; replaces the previous wake-up. */
  wakeAt(at: number): void {
    if (this.stopped || !Number.isFinite(at)) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    const delay = Math.max(0, at - this.opts.clock.now());
    // setTimeout caps at 2^31-1 ms; a later wake is re-armed by the resync anyway.
    this.wakeTimer = setTimeout(() => this.trigger('timer'), Math.min(delay + 1, 2 ** 31 - 1));
  }

  /** Resolves when no run is in progress and none is pending. */
  idle(): Promise<void> {
    if (!this.running && (this.pending.size === 0 || this.stopped)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(delayMs: number): void {
    const sinceLast = this.opts.clock.now() - this.lastStart;
    const minInterval = Math.max(this.opts.minIntervalMs, 2 * this.lastDurationMs);
    const delay = Math.max(delayMs, minInterval - sinceLast, 0);
    const at = this.opts.clock.now() + delay;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.runOnce(), delay);
  }

  private async runOnce(): Promise<void> {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.running || this.stopped || this.pending.size === 0) return this.settle();
    const reasons = this.pending;
    this.pending = new Set();
    this.running = true;
    this.lastStart = this.opts.clock.now();
    try {
      await this.opts.run(reasons);
    } finally {
      this.lastDurationMs = this.opts.clock.now() - this.lastStart;
      this.running = false;
      if (this.pending.size > 0 && !this.stopped) this.schedule(0);
      this.settle();
    }
  }

  private settle(): void {
    if (this.running || (this.pending.size > 0 && !this.stopped)) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private scheduleResync(): void {
    if (this.opts.resyncMs <= 0 || this.stopped) return;
    const jitter = 1 + ((this.opts.random ?? Math.random)() * 0.2 - 0.1);
    this.resyncTimer = setTimeout(() => {
      this.trigger('resync');
      this.scheduleResync();
    }, this.opts.resyncMs * jitter);
  }
}
