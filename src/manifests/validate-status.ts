/**
 * Validation of a policy status read back from Git (`status/<policy>.yaml`) against
 * `schemas/rolloutpolicystatus.schema.json`, the schema the CRD's `.status` uses too.
 */
import { checkSchema } from './check-schema.ts';
import type { PolicyStatus } from './types.ts';

/** A schema-valid status, or the reasons it is not (one `field: problem` line each). */
export type StatusValidation = { ok: true; status: PolicyStatus } | { ok: false; problems: string[] };

/** Checks plain data (parsed YAML or JSON) against the status schema. */
export function validatePolicyStatus(value: unknown): StatusValidation {
  const issues = checkSchema('RolloutPolicyStatus', value);
  if (issues.length === 0) return { ok: true, status: value as PolicyStatus };
  return { ok: false, problems: issues.map((issue) => issue.message) };
}
