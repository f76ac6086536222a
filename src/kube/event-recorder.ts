/**
 * Rollout transitions as `events.k8s.io/v1` Events on the RolloutPolicy, the way client-go's
 * events broadcaster records them: one Event per distinct transition, and repeats of the same
 * one (same policy, reason, type, ring) within the series window update that Event's
 * `series` (count, lastObservedTime) instead of creating another. Events come from the
 * planner's `RolloutEvent`s — per policy and ring, never one per agent.
 */
import { EventsV1Api, PatchStrategy, setHeaderOptions, V1MicroTime, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Clock } from '../controller/ports.ts';
import type { RolloutEvent } from '../rollout/types.ts';
import type { PolicyLocation } from '../sources/kube/object-index.ts';
import { apiError, GROUP, httpStatusOf, VERSION } from './client.ts';

/** `reportingController` of every Event Ringmaster records. */
export const REPORTING_CONTROLLER = 'ringmaster.dev/controller';

/** Inputs of `createEventRecorder`. */
export interface EventRecorderOptions {
  kubeConfig: KubeConfig;
  /** Where a policy lives (the Kubernetes source's `locatePolicy`). */
  locate: (policy: string) => PolicyLocation | undefined;
  /** This replica (the pod name): `reportingInstance`. */
  identity: string;
  logger: Logger;
  clock?: Clock;
  /** Repeats within this window join a series. Default 6 min (client-go's). */
  seriesWindowMs?: number;
  /** Events kept apart per call; the rest are dropped and logged (a runaway planner must not flood the API). Default 50. */
  maxPerBatch?: number;
}

/** Records rollout transitions as Events; best effort, never throws. */
export interface EventRecorder {
  /** Records events in order; failures are logged, never thrown (events are best effort). */
  record(events: readonly RolloutEvent[]): Promise<void>;
  /** For `createController({ onReconciled })`: queues the pass's events and returns at once. */
  onReconciled(info: { events: readonly RolloutEvent[] }): void;
  /** Resolves when every queued event was sent. */
  flush(): Promise<void>;
}

interface Series {
  name: string;
  namespace: string;
  count: number;
  lastObserved: number;
}

/**
 * An Event recorder for the RolloutPolicies the source knows. Events of policies it does not
 * know are skipped; API failures are logged. Record only on the leader (see `createKubeMode`).
 */
export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const api = opts.kubeConfig.makeApiClient(EventsV1Api);
  const clock = opts.clock ?? { now: () => Date.now() };
  const windowMs = opts.seriesWindowMs ?? 6 * 60_000;
  const maxPerBatch = opts.maxPerBatch ?? 50;
  const series = new Map<string, Series>();
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  let queue: Promise<void> = Promise.resolve();
  let sequence = 0;

  const create = async (event: RolloutEvent, where: PolicyLocation, key: string): Promise<void> => {
    sequence += 1;
    const name = `${where.name}.${event.at.toString(16)}${sequence.toString(16).padStart(4, '0')}`.slice(-253).replace(/^[.-]+/, '');
    const body: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: where.namespace },
      eventTime: new V1MicroTime(event.at),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: opts.identity.slice(0, 128),
      action: event.ring ? `Ring/${event.ring}`.slice(0, 128) : 'Rollout',
      reason: event.reason,
      note: event.message.slice(0, 1024),
      type: event.type,
      regarding: { apiVersion: `${GROUP}/${VERSION}`, kind: 'RolloutPolicy', name: where.name, namespace: where.namespace, uid: where.uid },
    };
    await api.createNamespacedEvent({ namespace: where.namespace, body });
    series.set(key, { name, namespace: where.namespace, count: 1, lastObserved: event.at });
  };

  const repeat = async (event: RolloutEvent, known: Series): Promise<boolean> => {
    const count = known.count + 1;
    const body = { series: { count, lastObservedTime: new V1MicroTime(event.at) } };
    try {
      await api.patchNamespacedEvent({ name: known.name, namespace: known.namespace, body }, mergePatch);
    } catch (err) {
      if (httpStatusOf(err) === 404) return false; // expired (events live ~1 h): start afresh
      throw err;
    }
    known.count = count;
    known.lastObserved = event.at;
    return true;
  };

  const one = async (event: RolloutEvent): Promise<void> => {
    const where = opts.locate(event.policy);
    if (!where) return;
    const key = `${where.uid}\0${event.reason}\0${event.type}\0${event.ring ?? ''}`;
    const known = series.get(key);
    if (known && event.at - known.lastObserved <= windowMs && (await repeat(event, known))) return;
    await create(event, where, key);
  };

  const prune = (): void => {
    const horizon = clock.now() - windowMs;
    for (const [key, s] of series) if (s.lastObserved < horizon) series.delete(key);
  };

  const record = async (events: readonly RolloutEvent[]): Promise<void> => {
    prune();
    if (events.length > maxPerBatch) opts.logger.warn({ events: events.length, kept: maxPerBatch }, 'too many rollout events in one pass; recording the first ones');
    for (const event of events.slice(0, maxPerBatch)) {
      try {
        await one(event);
      } catch (err) {
        opts.logger.warn({ err: apiError(`record event ${event.reason} for ${event.policy}`, err), policy: event.policy }, 'could not record a Kubernetes event');
      }
    }
  };

  return {
    record,
    onReconciled(info) {
      if (info.events.length === 0) return;
      const events = [...info.events];
      queue = queue.then(() => record(events));
    },
    flush: () => queue,
  };
}
