/**
 * `status.specHash`: what a status was computed from, so a reader (or the controller)
 * can tell whether the declarations changed since.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PackageReleaseSpec, RolloutPolicySpec } from '../manifests/types.ts';

const encoder = new TextEncoder();

/**
 * Hex SHA-256 of the canonical JSON (object keys sorted by code unit, no whitespace) of
 * `{"policy": <policy spec>, "release": <target release spec or null>}`. Key order in the
 * YAML therefore does not matter; any change of value does.
 */
export function specHash(policy: RolloutPolicySpec, release: PackageReleaseSpec | undefined): string {
  return bytesToHex(sha256(encoder.encode(canonicalJson({ policy, release: release ?? null }))));
}

/** JSON with object keys sorted at every level; `undefined` members are omitted, as JSON does. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      if (record[key] === undefined) continue;
      members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    }
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}
