/** Consistency rules and comparisons of label selectors over agent attributes. */
import { fieldPath, type ObjectIssue } from './issue.ts';
import type { LabelSelector } from './types.ts';

/** `In`/`NotIn` need values; `Exists`/`DoesNotExist` take none; keys are not empty. */
export function checkSelector(selector: LabelSelector, pointer: string): ObjectIssue[] {
  const issues: ObjectIssue[] = [];
  for (const key of Object.keys(selector.matchLabels ?? {})) {
    if (key.trim() === '') {
      issues.push({ code: 'E_SELECTOR', message: `${fieldPath(`${pointer}/matchLabels`)}: an attribute name is empty; write one such as service.name`, pointer: `${pointer}/matchLabels`, at: 'value' });
    }
  }
  selector.matchExpressions?.forEach((expression, i) => {
    const at = `${pointer}/matchExpressions/${i}`;
    const count = expression.values?.length ?? 0;
    const needsValues = expression.operator === 'In' || expression.operator === 'NotIn';
    if (needsValues && count === 0) {
      issues.push({ code: 'E_SELECTOR', message: `${fieldPath(at)}: operator ${expression.operator} needs at least one entry in "values"`, pointer: at });
    } else if (!needsValues && count > 0) {
      issues.push({ code: 'E_SELECTOR', message: `${fieldPath(at)}: operator ${expression.operator} takes no "values"; remove them or use In/NotIn`, pointer: `${at}/values` });
    }
  });
  return issues;
}

/** Whether a selector selects everything (absent, or with no requirement at all). */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return requirementsOf(selector).size === 0;
}

/**
 * Whether two selectors certainly select common agents: one's requirements are a subset of
 * the other's (which covers identical selectors and an empty one). Anything subtler is left
 * to `ringmaster plan`, which sees the real agents.
 */
export function selectorsCertainlyOverlap(a: LabelSelector | undefined, b: LabelSelector | undefined): boolean {
  const left = requirementsOf(a);
  const right = requirementsOf(b);
  const [small, large] = left.size <= right.size ? [left, right] : [right, left];
  return [...small].every((r) => large.has(r));
}

/** Each requirement of a selector in a canonical string form. */
function requirementsOf(selector: LabelSelector | undefined): Set<string> {
  const out = new Set<string>();
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) out.add(JSON.stringify([key, 'In', [value]]));
  for (const e of selector?.matchExpressions ?? []) {
    out.add(JSON.stringify([e.key, e.operator, [...new Set(e.values ?? [])].sort()]));
  }
  return out;
}
