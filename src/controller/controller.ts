import type { Logger } from 'pino';
import type { RolloutEvent } from '../rollout/types.ts';
import { buildInventory } from './inventory.ts';
import type { Clock, FleetView, ManifestSource, OfferSink, StatusWriter } from './ports.ts';
import { reconcile, type ControllerLogic, type ControllerState } from './reconcile.ts';
import { TriggerQueue, type TriggerReason } from './trigger-queue.ts';

export interface ControllerOptions {
  source: ManifestSource;
  statusWriter: StatusWriter;
  fleet: FleetView;
  offers: OfferSink;
  logic: ControllerLogic;
  clock: Clock;
  logger: Logger;
  /** Quiet time that coalesces bursts of triggers. Default 100 ms. */
  debounceMs?: number;
  /** Least time between two reconciles. Default 250 ms. */
  minIntervalMs?: number;
  /** Periodic full resync (±10% jitter). Default 60 s. */
  resyncMs?: number;
  /** Plan without moving phases this long after start, while agents reconnect. Default 60 s. */
  warmupMs?: number;
  /** How often the inventory is handed to the status writer. Default 5 min. */
  inventoryIntervalMs?: number;
  /** Called after every reconcile that planned (metrics, dashboards). */
  onReconciled?: (info: ReconcileInfo) => void;
}

export interface ReconcileInfo {
  reasons: ReadonlySet<TriggerReason>;
  durationMs: number;
  outcome: 'planned' | 'no-manifests' | 'error';
  written: string[];
  events: RolloutEvent[];
}

export interface Controller {
  /** Reads the last statuses, subscribes to triggers and runs the first reconcile. */
  start(): Promise<void>;
  /** Stops triggers, waits for the running reconcile, flushes the status writer. */
  stop(): Promise<void>;
  /** Triggers a reconcile and resolves once the loop is idle again. */
  reconcileNow(): Promise<void>;
  /** The loop's memory (read-only use: API, dashboard, tests). */
  readonly state: Readonly<ControllerState>;
}

/**
 * The level-triggered loop (STYLE.md): Git changes, agent events and timers only trigger;
 * each reconcile re-reads the world, plans with the pure core, applies the difference.
 */
export function createController(opts: ControllerOptions): Controller {
  const state: ControllerState = { statuses: {} };
  const warmupMs = opts.warmupMs ?? 60_000;
  const deps = { ...opts, warmupMs };
  let stopped = false;
  const inventoryEvery = opts.inventoryIntervalMs ?? 5 * 60_000;
  let lastInventoryAt = -Infinity;
  const unsubscribe: Array<() => void> = [];

  const run = async (reasons: ReadonlySet<TriggerReason>): Promise<void> => {
    const started = performance.now();
    try {
      const outcome = await reconcile(deps, state);
      const durationMs = performance.now() - started;
      if (outcome.kind === 'no-manifests') {
        opts.onReconciled?.({ reasons, durationMs, outcome: 'no-manifests', written: [], events: [] });
        return;
      }
      for (const e of outcome.events) logEvent(opts.logger, e);
      const warmupEnd = (state.startedAt ?? 0) + warmupMs;
      const wake = Math.min(...Object.values(outcome.plan.wakeAt), ...(warmupEnd > opts.clock.now() ? [warmupEnd] : []));
      if (Number.isFinite(wake)) queue.wakeAt(wake);
      await maybeWriteInventory();
      opts.onReconciled?.({ reasons, durationMs, outcome: 'planned', written: outcome.written, events: outcome.events });
    } catch (err) {
      // A failed pass (status write refused, say) is retried by the next trigger/resync;
      // the fleet keeps its current offers meanwhile.
      opts.logger.error({ err }, 'reconcile failed');
      opts.onReconciled?.({ reasons, durationMs: performance.now() - started, outcome: 'error', written: [], events: [] });
      queue.wakeAt(opts.clock.now() + 5_000);
    }
  };

  const maybeWriteInventory = async (): Promise<void> => {
    const now = opts.clock.now();
    if (now - lastInventoryAt < inventoryEvery || !state.lastPlan) return;
    lastInventoryAt = now;
    await opts.statusWriter.writeInventory(buildInventory(opts.fleet.agents(), state.lastPlan.membership, now));
  };

  const queue = new TriggerQueue({
    run,
    clock: opts.clock,
    debounceMs: opts.debounceMs ?? 100,
    minIntervalMs: opts.minIntervalMs ?? 250,
    resyncMs: opts.resyncMs ?? 60_000,
  });

  return {
    state,
    async start() {
      const statuses = await opts.statusWriter.readAll();
      if (stopped) return; // stopped while reading: never start the loop
      Object.assign(state.statuses, statuses);
      state.startedAt = opts.clock.now();
      unsubscribe.push(opts.source.onChange(() => queue.trigger('manifests')));
      unsubscribe.push(opts.fleet.onChange(() => queue.trigger('fleet')));
      queue.start();
      if (warmupMs > 0) queue.wakeAt(state.startedAt + warmupMs);
      await queue.idle();
    },
    async stop() {
      stopped = true;
      for (const u of unsubscribe.splice(0)) u();
      await queue.stop();
      await opts.statusWriter.flush();
    },
    async reconcileNow() {
      queue.trigger('manual');
      await queue.idle();
    },
  };
}

function logEvent(logger: Logger, e: RolloutEvent): void {
  const fields = { policy: e.policy, ...(e.ring ? { ring: e.ring } : {}), reason: e.reason };
  if (e.type === 'Warning') logger.warn(fields, e.message);
  else logger.info(fields, e.message);
}
