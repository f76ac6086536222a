import type { OperatorEvent } from './view.ts';

/** An event before the log numbered it. */
export type NewOperatorEvent = Omit<OperatorEvent, 'id'>;

/** A bounded, numbered event log that implements the event half of `OperatorView`. */
export interface EventLog {
  /** Numbers the event (ids start at 1 and increase by 1), keeps it, tells every listener. */
  append(event: NewOperatorEvent): OperatorEvent;
  onEvent(listener: (event: OperatorEvent) => void): () => void;
  /** The newest `limit` events, oldest first. */
  recentEvents(limit: number): OperatorEvent[];
}

export interface EventLogOptions {
  /** How many events are kept for `recentEvents` and SSE resume. Default 2000. */
  capacity?: number;
  /** Told when a listener throws; the other listeners still run. */
  onListenerError?: (err: unknown) => void;
}

/**
 * Creates an in-memory event log: a ring buffer of the newest `capacity` events plus a
 * listener set. The controller appends rollout events from each plan and agent state
 * changes; the API streams them. Listeners run synchronously in append order.
 */
export function createEventLog(options: EventLogOptions = {}): EventLog {
  const capacity = options.capacity ?? 2000;
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`event log capacity must be a positive integer, got ${capacity}`);
  const buffer: OperatorEvent[] = [];
  const listeners = new Set<(event: OperatorEvent) => void>();
  let nextId = 1;
  return {
    append(event) {
      const numbered: OperatorEvent = { ...event, id: nextId++ };
      buffer.push(numbered);
      // Trim in chunks so that a full buffer does not shift on every append.
      if (buffer.length > capacity * 1.25) buffer.splice(0, buffer.length - capacity);
      for (const listener of [...listeners]) {
        try {
          listener(numbered);
        } catch (err) {
          options.onListenerError?.(err);
        }
      }
      return numbered;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    recentEvents(limit) {
      const n = Math.max(0, Math.min(Math.floor(limit), capacity, buffer.length));
      return buffer.slice(buffer.length - n);
    },
  };
}
