/**
 * `buildPlan()`: what merging head into base would do to the fleet, as data. Pure.
 *
 * The rollout part is not simulated here: it is the controller's own `planRollout()`, run
 * once on head's manifests with the recorded fleet and the statuses written last time —
 * the Terraform principle, one planner for `plan` and for `apply`.
 */
import { sortDiagnostics } from '../manifests/diagnostic.ts';
import type { ManifestSet } from '../manifests/load.ts';
import type { PackageRelease, PolicyStatus, RolloutPolicy } from '../manifests/types.ts';
import { planRollout } from '../rollout/plan.ts';
import type { InventoryAgent } from '../controller/ports.ts';
import type { AgentObservation, PlanResult } from '../rollout/types.ts';
import { diffObjects } from './diff.ts';
import { observeInventory } from './observations.ts';
import { planPolicy } from './policy-plan.ts';
import { DEFAULT_EXAMPLE_HOSTS } from './ring-plan.ts';
import type { ChangeType, InventorySummary, ObjectChange, PlanReport, PlanWarning, PolicyPlan } from './types.ts';
import { warnPolicy } from './warnings.ts';

/** Everything a plan is computed from; nothing is read from the outside world. */
export interface PlanInputs {
  base: ManifestSet;
  head: ManifestSet;
  /** The recorded fleet (`status/inventory.json` or a server's agent list). */
  inventory: { agents: readonly InventoryAgent[]; source: string; generatedAt?: string };
  /** Statuses written last time (base's `status/<policy>.yaml`), keyed by policy name. */
  previous: Readonly<Record<string, PolicyStatus>>;
  /** Epoch ms the what-if is evaluated at (the first reconcile after the merge). */
  now: number;
  revisions?: { base: string; head: string };
  /** Example hosts shown per ring; default {@link DEFAULT_EXAMPLE_HOSTS}. */
  exampleHosts?: number;
}

/**
 * Diffs base and head, runs the planner on head, and returns the report. When head has
 * errors the report carries them in `diagnostics` and nothing else is planned: a plan of an
 * invalid revision would describe something the controller will never run.
 */
export function buildPlan(inputs: PlanInputs): PlanReport {
  const report: PlanReport = {
    base: { revision: inputs.revisions?.base ?? 'base' },
    head: { revision: inputs.revisions?.head ?? 'head' },
    changed: false,
    changes: [],
    policies: [],
    warnings: [],
    diagnostics: sortDiagnostics(inputs.head.diagnostics),
    inventory: summarizeInventory(inputs.inventory),
  };
  if (inputs.head.diagnostics.some((d) => d.severity === 'error')) return report;
  report.changes = [
    ...diffObjects('PackageRelease', inputs.base.releases, inputs.head.releases),
    ...diffObjects('RolloutPolicy', inputs.base.policies, inputs.head.policies),
  ];
  report.changed = report.changes.length > 0;
  const agents = observeInventory(inputs.inventory.agents, inputs.now);
  const result = planRollout({
    policies: inputs.head.policies,
    releases: inputs.head.releases,
    agents,
    previous: inputs.previous,
    now: inputs.now,
    ...(inputs.revisions ? { revision: inputs.revisions.head } : {}),
  });
  const planned = planAffected(inputs, report.changes, agents, result);
  report.policies = planned.map((p) => p.plan);
  report.warnings = sortWarnings([...baseWarnings(inputs.base), ...planned.flatMap((p) => p.warnings)]);
  return report;
}

interface PlannedPolicy {
  plan: PolicyPlan;
  warnings: PlanWarning[];
}

// A policy's rollout changes when the policy changes, or when the release it targets does.
function planAffected(inputs: PlanInputs, changes: ObjectChange[], agents: AgentObservation[], result: PlanResult): PlannedPolicy[] {
  const baseReleases = byName(inputs.base.releases);
  const headReleases = byName(inputs.head.releases);
  const basePolicies = byName(inputs.base.policies);
  const headPolicies = byName(inputs.head.policies);
  const changedReleases = new Set(changes.filter((c) => c.kind === 'PackageRelease').map((c) => c.name));
  const policyChanges = new Map(changes.filter((c) => c.kind === 'RolloutPolicy').map((c) => [c.name, c.change]));
  const byUid = new Map(agents.map((a) => [a.uid, a]));
  const offers = new Map(result.offers.map((o) => [o.uid, o]));
  const names = [...new Set([...basePolicies.keys(), ...headPolicies.keys()])].sort();
  const out: PlannedPolicy[] = [];
  for (const name of names) {
    const head = headPolicies.get(name);
    const change: ChangeType | undefined = policyChanges.get(name) ?? (head && changedReleases.has(head.spec.release) ? 'changed' : undefined);
    if (!change) continue;
    const base = basePolicies.get(name);
    const plan = planPolicy({
      change, baseReleases, headReleases, result, agents: byUid, offers,
      exampleHosts: inputs.exampleHosts ?? DEFAULT_EXAMPLE_HOSTS,
      ...(base ? { base } : {}),
      ...(head ? { head } : {}),
    });
    out.push({ plan, warnings: head ? warningsOf(plan, head, base, headReleases, result, byUid, inputs.previous[name]) : [] });
  }
  return out;
}

function warningsOf(
  plan: PolicyPlan,
  head: RolloutPolicy,
  base: RolloutPolicy | undefined,
  releases: ReadonlyMap<string, PackageRelease>,
  result: PlanResult,
  agents: ReadonlyMap<string, AgentObservation>,
  previous: PolicyStatus | undefined,
): PlanWarning[] {
  const name = head.metadata.name;
  const target = releases.get(head.spec.release);
  const planned = result.statuses[name];
  return warnPolicy({
    plan, head, agents,
    membership: result.membership.find((m) => m.policy === name) ?? { policy: name, agents: {} },
    ...(base ? { base } : {}),
    ...(target ? { target } : {}),
    ...(previous ? { previous } : {}),
    ...(planned ? { planned } : {}),
  });
}

function baseWarnings(base: ManifestSet): PlanWarning[] {
  const errors = base.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return [];
  return [{ code: 'base-invalid', message: `base has ${errors.length} error(s) (first: ${errors[0]?.file}:${errors[0]?.line} ${errors[0]?.message}): the diff compares against what base parsed` }];
}

function summarizeInventory(inventory: PlanInputs['inventory']): InventorySummary {
  return {
    source: inventory.source,
    agents: inventory.agents.length,
    online: inventory.agents.filter((a) => a.online).length,
    ...(inventory.generatedAt !== undefined ? { generatedAt: inventory.generatedAt } : {}),
  };
}

function sortWarnings(warnings: PlanWarning[]): PlanWarning[] {
  const key = (w: PlanWarning): string => `${w.policy ?? ''}\0${w.code}\0${w.ring ?? ''}\0${w.message}`;
  return warnings.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

function byName<T extends { metadata: { name: string } }>(objects: readonly T[]): Map<string, T> {
  return new Map(objects.map((o) => [o.metadata.name, o]));
}
