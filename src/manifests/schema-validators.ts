/**
 * The JSON Schemas in `schemas/` compiled once, lazily: Ajv compiles to code, which is slow
 * the first time and fast afterwards. `verbose` keeps the failing sub-schema on each error
 * so `x-ringmaster-codes` can turn a schema failure into a specific diagnostic code.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import releaseSchema from '../../schemas/packagerelease.schema.json' with { type: 'json' };
import policySchema from '../../schemas/rolloutpolicy.schema.json' with { type: 'json' };
import statusSchema from '../../schemas/rolloutpolicystatus.schema.json' with { type: 'json' };

/** The schemas Ringmaster validates against. */
export type SchemaName = 'PackageRelease' | 'RolloutPolicy' | 'RolloutPolicyStatus';

/** Schema annotations that Ajv must accept but that only Kubernetes (or we) interpret. */
const ANNOTATIONS = [
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
  'x-ringmaster-codes',
] as const;

const sources: Record<SchemaName, object> = {
  PackageRelease: releaseSchema,
  RolloutPolicy: policySchema,
  RolloutPolicyStatus: statusSchema,
};

let ajv: Ajv | undefined;
const compiled = new Map<SchemaName, ValidateFunction>();

/** The compiled validator of one schema (compiled on first use, then cached). */
export function schemaValidator(name: SchemaName): ValidateFunction {
  const cached = compiled.get(name);
  if (cached) return cached;
  ajv ??= createAjv();
  const validate = ajv.compile(sources[name]);
  compiled.set(name, validate);
  return validate;
}

function createAjv(): Ajv {
  const instance = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, logger: false });
  // ajv-formats is CommonJS: under Node's ESM interop its default export is the plugin itself.
  const addFormats = addFormatsPlugin as unknown as (a: Ajv, formats: string[]) => Ajv;
  addFormats(instance, ['date-time']);
  for (const keyword of ANNOTATIONS) instance.addKeyword({ keyword });
  return instance;
}
