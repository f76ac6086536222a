/**
 * Kubernetes-style label selectors over flattened agent attributes (DESIGN.md: policy and
 * ring selectors). Semantics follow `metav1.LabelSelector`: every `matchLabels` pair AND
 * every `matchExpressions` requirement must hold.
 */
import type { LabelSelector, SelectorRequirement } from '../manifests/types.ts';

/**
 * True when `attributes` satisfy `selector`. An undefined or empty selector matches every
 * agent. `In` needs the key present with one of `values`; `NotIn` holds when the key is
 * absent or its value is not listed (as in Kubernetes); `Exists` / `DoesNotExist` test the
 * key only. Missing `values` count as an empty list.
 */
export function matchesSelector(selector: LabelSelector | undefined, attributes: Record<string, string>): boolean {
  if (selector === undefined) return true;
  const labels = selector.matchLabels;
  if (labels !== undefined) {
    for (const key in labels) {
      if (attributes[key] !== labels[key] || !Object.hasOwn(attributes, key)) return false;
    }
  }
  const expressions = selector.matchExpressions;
  if (expressions !== undefined) {
    for (const requirement of expressions) {
      if (!matchesRequirement(requirement, attributes)) return false;
    }
  }
  return true;
}

function matchesRequirement(requirement: SelectorRequirement, attributes: Record<string, string>): boolean {
  const present = Object.hasOwn(attributes, requirement.key);
  switch (requirement.operator) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
      return present && (requirement.values ?? []).includes(attributes[requirement.key] as string);
    case 'NotIn':
      return !present || !(requirement.values ?? []).includes(attributes[requirement.key] as string);
  }
}
