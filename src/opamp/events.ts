/**
 * Typed server events for the controller (which only enqueues work on them: the
 * reconcile re-reads the fleet, so no payload needs to be complete).
 */
import type { PackageState } from '../rollout/types.ts';
import type { Transport } from './registry.ts';

export interface OpampServerEvents {
  agentConnected: { uid: string; transport: Transport };
  agentUpdated: { uid: string };
  packageStatusChanged: { uid: string; package: string; state?: PackageState };
  agentDisconnected: { uid: string; reason: 'closed' | 'disconnect' | 'heartbeatMissed' | 'forgotten' | 'shutdown' | 'reassigned' };
}

export type OpampEventName = keyof OpampServerEvents;
export type OpampListener<E extends OpampEventName> = (payload: OpampServerEvents[E]) => void;

/** A minimal typed emitter; a throwing listener is reported and does not stop the others. */
export interface OpampEmitter {
  on<E extends OpampEventName>(event: E, listener: OpampListener<E>): () => void;
  emit<E extends OpampEventName>(event: E, payload: OpampServerEvents[E]): void;
}

/** Creates an emitter; `onListenerError` receives what a listener threw. */
export function createEmitter(onListenerError: (error: unknown) => void): OpampEmitter {
  const listeners = new Map<OpampEventName, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      let set = listeners.get(event);
      if (set === undefined) listeners.set(event, (set = new Set()));
      const entry = listener as (payload: never) => void;
      set.add(entry);
      return () => void set.delete(entry);
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          (listener as (payload: OpampServerEvents[typeof event]) => void)(payload);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
  };
}
