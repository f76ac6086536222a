import type { Logger } from 'pino';
import { pino } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { STATS_CATALOGUE, type StatDescriptor } from './stats-catalogue.ts';
import { registerViewMetrics } from './view-metrics.ts';
import type { OperatorView } from '../api/view.ts';

/** How a reconcile ended, for the duration histogram. */
export type ReconcileOutcome = 'success' | 'error' | 'stalled' | 'requeue';

export interface MetricsOptions {
  /** Source of the fleet and rollout gauges; can also be attached later with `attachView`. */
  view?: OperatorView;
  /** Also export Node.js process metrics (`process_*`, `nodejs_*`). Default true. */
  processMetrics?: boolean;
  /** Buckets of the reconcile histogram, in seconds. */
  reconcileBuckets?: number[];
  logger?: Logger;
}

/** The process's metrics: a private prom-client registry plus the ways components feed it. */
export interface Metrics {
  readonly registry: Registry;
  /** Sets the view the fleet and rollout gauges are computed from at scrape time. */
  attachView(view: OperatorView): void;
  /**
   * Registers a component's counters as plain numbers, read at every scrape. Keys are
   * mapped through the catalogue in `stats-catalogue.ts`; unknown keys are ignored.
   * Returns a function that removes the source.
   */
  addStatsSource(source: string, read: () => Record<string, number>): () => void;
  /** Records one reconcile's duration. */
  observeReconcile(seconds: number, outcome: ReconcileOutcome): void;
}

/**
 * Creates the metrics of one Ringmaster process on its own `Registry` (never the global
 * one, so tests and several servers in one process do not collide). Gauges are computed
 * at scrape time from the view and the stats sources, so nothing has to push updates.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const logger = options.logger ?? pino({ level: 'silent' });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const sources = new Map<string, () => Record<string, number>>();
  let view = options.view;
  registerViewMetrics(registry, () => view);
  for (const d of STATS_CATALOGUE) registerStat(registry, d, () => readSource(sources, d.source, logger));
  const reconcile = new Histogram({
    name: 'ringmaster_reconcile_duration_seconds',
    help: 'Duration of one reconcile (read, plan, apply, write status), by outcome.',
    labelNames: ['outcome'],
    buckets: options.reconcileBuckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    registry,
    attachView: (v) => void (view = v),
    addStatsSource(source, read) {
      if (sources.has(source)) throw new Error(`stats source "${source}" is already registered`);
      sources.set(source, read);
      return () => void sources.delete(source);
    },
    observeReconcile(seconds, outcome) {
      if (Number.isFinite(seconds) && seconds >= 0) reconcile.observe({ outcome }, seconds);
    },
  };
}

function readSource(sources: Map<string, () => Record<string, number>>, source: string, logger: Logger): Record<string, number> {
  const read = sources.get(source);
  if (!read) return {};
  try {
    return read();
  } catch (err) {
    // A broken source must not break the scrape: its metrics are left out this time.
    logger.warn({ err, source }, 'stats source failed; its metrics are skipped in this scrape');
    return {};
  }
}

function registerStat(registry: Registry, d: StatDescriptor, read: () => Record<string, number>): void {
  const labelNames = d.label ? [d.label] : [];
  const fill = (set: (labels: Record<string, string>, value: number) => void): void => {
    for (const [key, value] of Object.entries(read())) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) continue;
      const [name, labelValue] = key.split(':', 2);
      if (name !== d.key) continue;
      if (d.label && labelValue) set({ [d.label]: labelValue }, value);
      else if (!d.label && labelValue === undefined) set({}, value);
    }
  };
  if (d.type === 'counter') {
    new Counter({ name: d.metric, help: d.help, labelNames, registers: [registry], collect() {
      this.reset();
      fill((labels, value) => this.inc(labels, value));
    } });
  } else {
    new Gauge({ name: d.metric, help: d.help, labelNames, registers: [registry], collect() {
      this.reset();
      fill((labels, value) => this.set(labels, value));
    } });
  }
}
