/**
 * The seam between the controller and the operators' view (JSON API, dashboard, metrics,
 * `ringmaster status`). The controller implements `OperatorView`; everything under
 * `src/api/`, `src/dashboard/` and `src/metrics/` only reads through it, so the view can
 * be served from a fake in tests and from the live controller in `ringmaster serve`.
 */
import type { PolicyStatus, RolloutPolicySpec } from '../manifests/types.ts';
import type { AgentObservation, PolicyMembership } from '../rollout/types.ts';

/** One policy as the operators see it: what was declared, and what the controller decided. */
export interface PolicyView {
  name: string;
  /** Kubernetes namespace, when the policy is a custom resource (used in `kubectl` hints). */
  namespace?: string;
  /** Manifest path relative to the repository root, when the policy comes from Git. */
  file?: string;
  /** The target `PackageRelease` name (`spec.release`). */
  release: string;
  /** The OpAMP package the release ships. */
  package: string;
  spec: RolloutPolicySpec;
  /** Absent before the first reconcile of the policy. */
  status?: PolicyStatus;
  /** Where each selected agent stands (from the latest plan). */
  membership?: PolicyMembership;
}

/** Kinds of operator events: rollout transitions, and single agents changing state. */
export type OperatorEventKind = 'rollout' | 'agent';

/**
 * Something worth showing an operator. `id` increases strictly (it is the SSE event id and
 * the resume point of `Last-Event-ID`); `at` is epoch ms.
 */
export interface OperatorEvent {
  id: number;
  at: number;
  kind: OperatorEventKind;
  policy?: string;
  ring?: string;
  agent?: string;
  /** A `RolloutEventReason` for rollout events; the agent's new state for agent events. */
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
}

/** Read access to everything the operators' view shows. Implemented by the controller. */
export interface OperatorView {
  /** Every policy known at the current revision, in a stable order. */
  policies(): PolicyView[];
  /** Every known agent, from the OpAMP server's `FleetView` (online or recently offline). */
  agents(): AgentObservation[];
  /** Called for every new event, in id order. Returns an unsubscribe function. */
  onEvent(listener: (event: OperatorEvent) => void): () => void;
  /** The newest `limit` events, oldest first. */
  recentEvents(limit: number): OperatorEvent[];
}
