/** An object of one of our kinds on its way through validation, with its source. */
import type { LocateAt } from './yaml-locator.ts';
import type { SourceLocation } from './types.ts';

export type ManifestKind = 'PackageRelease' | 'RolloutPolicy';

export interface Candidate {
  kind: ManifestKind;
  /** `metadata.name` when it is a string (even an invalid one), else undefined. */
  name: string | undefined;
  value: unknown;
  /** Source location of the node at a JSON pointer inside this object. */
  locate: (pointer: string, at?: LocateAt) => SourceLocation;
  /** Every node of the object worth pointing at, by JSON pointer (empty for API objects). */
  nodes: () => Iterable<[string, SourceLocation]>;
  /** Set once any error-severity diagnostic was reported against the object. */
  failed: boolean;
}

/** `metadata.name` of plain data, when it is a string. */
export function nameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const metadata = (value as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const name = (metadata as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}
