import type { EventLog } from '../api/event-log.ts';
import { describeAgentChanges } from '../api/agent-events.ts';
import type { OperatorView, PolicyView } from '../api/view.ts';
import type { PlanResult } from '../rollout/types.ts';
import type { ControllerState } from './reconcile.ts';
import type { FleetView } from './ports.ts';

export interface OperatorViewOptions {
  /** The controller state to show; undefined while no controller runs (a follower replica). */
  state: () => Readonly<ControllerState> | undefined;
  fleet: FleetView;
  events: EventLog;
}

/**
 * The live controller as the operators' view sees it: policies at the running revision
 * with their last status and membership, the fleet, and the event log. Read-only.
 */
export function createOperatorView(opts: OperatorViewOptions): OperatorView & { recordPlan(plan: PlanResult, at: number): void } {
  let previous: PlanResult | undefined;
  return {
    policies: () => policyViews(opts.state()),
    agents: () => opts.fleet.agents(),
    onEvent: (listener) => opts.events.onEvent(listener),
    recentEvents: (limit) => opts.events.recentEvents(limit),
    /** Appends the plan's rollout events and every agent whose ring or state changed. */
    recordPlan(plan, at) {
      for (const e of plan.events) {
        opts.events.append({ at: e.at, kind: 'rollout', policy: e.policy, ...(e.ring ? { ring: e.ring } : {}), reason: e.reason, message: e.message, type: e.type });
      }
      for (const e of describeAgentChanges(previous?.membership ?? [], plan.membership, at)) opts.events.append(e);
      previous = plan;
    },
  };
}

function policyViews(state: Readonly<ControllerState> | undefined): PolicyView[] {
  const good = state?.good;
  if (!good) return [];
  const releases = new Map(good.manifests.releases.map((r) => [r.metadata.name, r]));
  const membership = new Map((state?.lastPlan?.membership ?? []).map((m) => [m.policy, m]));
  return [...good.manifests.policies]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .map((p) => {
      const name = p.metadata.name;
      const file = good.manifests.locations?.get(`RolloutPolicy/${name}`)?.file;
      const status = state?.statuses[name];
      const m = membership.get(name);
      return {
        name,
        ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}),
        ...(file ? { file } : {}),
        release: p.spec.release,
        package: releases.get(p.spec.release)?.spec.package ?? '',
        spec: p.spec,
        ...(status ? { status } : {}),
        ...(m ? { membership: m } : {}),
      };
    });
}
