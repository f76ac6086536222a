/**
 * Phrases shared by the text and markdown renderers, so both say the same thing the same
 * way. Pure.
 */
import type { ObjectChange, PlanReport, PolicyPlan, ReleaseRef } from '../types.ts';

/** `3 changes (1 release added, 2 policies changed)`, or `no changes`. */
export function describeChanges(changes: readonly ObjectChange[]): string {
  if (changes.length === 0) return 'no changes';
  const parts: string[] = [];
  for (const kind of ['PackageRelease', 'RolloutPolicy'] as const) {
    for (const change of ['added', 'changed', 'removed'] as const) {
      const n = changes.filter((c) => c.kind === kind && c.change === change).length;
      if (n === 0) continue;
      const noun = kind === 'PackageRelease' ? (n === 1 ? 'release' : 'releases') : n === 1 ? 'policy' : 'policies';
      parts.push(`${n} ${noun} ${change}`);
    }
  }
  return `${plural(changes.length, 'change')} (${parts.join(', ')})`;
}

/** The one-line summary: changes, rollouts, warnings, where the fleet came from. */
export function summaryLine(report: PlanReport): string {
  if (isInvalid(report)) return `head is invalid: ${plural(errorCount(report), 'error')}, nothing planned`;
  const rollouts = report.policies.filter((p) => p.to).length;
  const asOf = report.inventory.generatedAt ? ` as of ${report.inventory.generatedAt}` : '';
  const fleet = `${plural(report.inventory.agents, 'agent')} (${report.inventory.online} online) from ${report.inventory.source}${asOf}`;
  return [describeChanges(report.changes), plural(rollouts, 'rollout'), plural(report.warnings.length, 'warning'), fleet].join(' · ');
}

/** `otelcol-custom-1.4.0 (1.4.0) → otelcol-custom-1.5.0 (1.5.0)`, `new → …`, `… → removed`. */
export function describeTransition(plan: PolicyPlan): string {
  const from = plan.from ? describeRelease(plan.from) : 'nothing';
  const to = plan.to ? describeRelease(plan.to) : 'removed';
  return `${from} → ${to}`;
}

export function describeRelease(ref: ReleaseRef): string {
  return ref.version ? `${ref.name} (${ref.version})` : ref.name;
}

/** `platform ×count` for every platform, most common first. */
export function describePlatforms(platforms: PolicyPlan['rings'][number]['platforms']): string {
  return platforms.length === 0 ? '–' : platforms.map((p) => `${p.platform} ×${p.agents}`).join(', ');
}

/** Whether head failed validation (the CLI exits 2). */
export function isInvalid(report: PlanReport): boolean {
  return errorCount(report) > 0;
}

function errorCount(report: PlanReport): number {
  return report.diagnostics.filter((d) => d.severity === 'error').length;
}

/** `1 agent`, `3 agents`. */
export function plural(n: number, noun: string): string {
  const many = noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`;
  return `${n} ${n === 1 ? noun : many}`;
}

/** Human reason for an incompatible agent. */
export function describeIncompatible(reason: PolicyPlan['incompatible'][number]['reason']): string {
  switch (reason) {
    case 'no-accepts-packages':
      return 'does not accept packages';
    case 'no-artifact':
      return 'no artifact for its platform';
    case 'unknown-platform':
      return 'did not report its platform';
    case 'other':
      return 'incompatible';
  }
}

/** A field value as one line of text: JSON, except plain strings. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '–';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Commit ids as their first 12 digits; branch names and other revisions as given. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
}
