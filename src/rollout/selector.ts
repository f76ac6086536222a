/**
 * Kubernetes-style label selectors over flattened agent attributes (DESIGN.md: policy and
 * ring selectors). Semantics follow `metav1.LabelSelector`: every `matchLabels` pair AND
 * every `matchExpressions` requirement must hold.
 */
import type { LabelSelector, SelectorRequirement } from '../manifests/types.ts';

/** A selector turned into a predicate over attributes. */
export type AttributePredicate = (attributes: Record<string, string>) => boolean;

const matchAll: AttributePredicate = () => true;

/**
 * True when `attributes` satisfy `selector`. An undefined or empty selector matches every
 * agent. `In` needs the key present with one of `values`; `NotIn` holds when the key is
 * absent or its value is not listed (as in Kubernetes); `Exists` / `DoesNotExist` test the
 * key only. Missing `values` count as an empty list.
 */
export function matchesSelector(selector: LabelSelector | undefined, attributes: Record<string, string>): boolean {
  return compileSelector(selector)(attributes);
}

/**
 * {@link matchesSelector} as a reusable predicate: the selector's entries are read once, so
 * testing 100,000 agents does no per-agent enumeration of the selector.
 */
export function compileSelector(selector: LabelSelector | undefined): AttributePredicate {
  const labels = Object.entries(selector?.matchLabels ?? {});
  const expressions = (selector?.matchExpressions ?? []).map(compileRequirement);
  if (labels.length === 0 && expressions.length === 0) return matchAll;
  return (attributes) => {
    for (const [key, value] of labels) {
      if (attributes[key] !== value || !Object.hasOwn(attributes, key)) return false;
    }
    for (const expression of expressions) {
      if (!expression(attributes)) return false;
    }
    return true;
  };
}

function compileRequirement(requirement: SelectorRequirement): AttributePredicate {
  const { key } = requirement;
  const values = new Set(requirement.values ?? []);
  switch (requirement.operator) {
    case 'Exists':
      return (attributes) => Object.hasOwn(attributes, key);
    case 'DoesNotExist':
      return (attributes) => !Object.hasOwn(attributes, key);
    case 'In':
      return (attributes) => Object.hasOwn(attributes, key) && values.has(attributes[key] as string);
    case 'NotIn':
      return (attributes) => !Object.hasOwn(attributes, key) || !values.has(attributes[key] as string);
  }
}
