/**
 * Validates plain data against a schema and explains every failure in words a user can act
 * on, with the JSON pointer of the offending node. Ajv reports all errors at once.
 */
import type { ErrorObject } from 'ajv';
import type { DiagnosticCode } from './diagnostic.ts';
import { fieldPath, type ObjectIssue } from './issue.ts';
import { schemaValidator, type SchemaName } from './schema-validators.ts';
import { closestName } from './closest-name.ts';

/** Checks `value` against schema `name`; an empty list means it is schema-valid. */
export function checkSchema(name: SchemaName, value: unknown): ObjectIssue[] {
  const validate = schemaValidator(name);
  if (validate(value)) return [];
  // Branch errors of an int-or-string `anyOf` only repeat the anyOf error itself.
  const errors = (validate.errors ?? []).filter((e) => !e.schemaPath.includes('/anyOf/'));
  return errors.map(toIssue);
}

function toIssue(error: ErrorObject): ObjectIssue {
  const codes = error.parentSchema?.['x-ringmaster-codes'] as Record<string, DiagnosticCode> | undefined;
  const code = codes?.[error.keyword] ?? 'E_SCHEMA';
  if (error.keyword === 'required') {
    const missing = String(error.params['missingProperty']);
    const where = error.instancePath === '' ? 'the document' : fieldPath(error.instancePath);
    return { code, message: `${where} is missing required field "${missing}"`, pointer: error.instancePath, at: 'key' };
  }
  if (error.keyword === 'additionalProperty' || error.keyword === 'additionalProperties') {
    return unknownField(error);
  }
  const path = fieldPath(error.instancePath);
  return { code, message: `${path}: ${explain(code, error)}`, pointer: error.instancePath };
}

function unknownField(error: ErrorObject): ObjectIssue {
  const field = String(error.params['additionalProperty']);
  const pointer = `${error.instancePath}/${field.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  const known = Object.keys((error.parentSchema?.['properties'] as object | undefined) ?? {});
  const guess = closestName(field, known);
  const hint = guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}`;
  return { code: 'E_SCHEMA', message: `${fieldPath(pointer)}: unknown field; ${hint}`, pointer, at: 'key' };
}

const BY_CODE: Partial<Record<DiagnosticCode, (data: unknown, error: ErrorObject) => string>> = {
  E_DURATION: (d) => `${show(d)} is not a duration; write it like 30s, 10m, 1h30m or 2d (units d, h, m, s, ms, largest first)`,
  E_PERCENT: (d, e) =>
    e.parentSchema?.['type'] === 'number'
      ? `${show(d)} is not a percent; write a number from 0 to 100`
      : `${show(d)} is not a valid count or percent; write a whole number such as 2, or a percent from "0%" to "100%"`,
  E_SHA256: (d) => `${show(d)} is not a SHA-256 digest; write the 64 lowercase hexadecimal digits (sha256sum prints them)`,
  E_SEMVER: (d) => `${show(d)} is not a semantic version; write MAJOR.MINOR.PATCH such as 1.5.0 or 2.0.0-rc.1, without a leading "v", and quote it in YAML`,
  E_NAME: (d) => `${show(d)} is not a valid name; use lowercase letters, digits, "-" and "." (DNS-1123), starting and ending with a letter or digit`,
  E_SIGNATURE: () => 'not a base64 Ed25519 signature; write the 88-character standard base64 (ending in "==") of the 64-byte signature',
  E_NO_RINGS: () => 'declares no ring; add at least one ring (a single ring named e.g. "everyone" rolls out to all agents at once)',
};

function explain(code: DiagnosticCode, error: ErrorObject): string {
  const byCode = BY_CODE[code];
  if (byCode) return byCode(error.data, error);
  switch (error.keyword) {
    case 'type':
      return `must be ${String(error.params['type'])}, not ${typeName(error.data)}${quoteHint(error)}`;
    case 'enum':
      return `must be one of ${(error.params['allowedValues'] as unknown[]).map(show).join(', ')}; got ${show(error.data)}`;
    case 'format':
      return `${show(error.data)} is not a valid ${String(error.params['format'])}`;
    case 'pattern':
      return `${show(error.data)} does not have the expected form. ${describe(error)}`;
    case 'minItems':
      return error.params['limit'] === 1 ? 'must not be empty' : `needs at least ${String(error.params['limit'])} entries`;
    case 'maxItems':
      return `has more than ${String(error.params['limit'])} entries; split it up`;
    case 'minLength':
      return 'must not be empty';
    case 'maxLength':
      return `is longer than ${String(error.params['limit'])} characters`;
    default:
      return error.message ?? `fails schema rule "${error.keyword}"`;
  }
}

/** The field's own schema description: says what the value should look like. */
function describe(error: ErrorObject): string {
  const description = error.parentSchema?.['description'];
  return typeof description === 'string' ? `Expected: ${description}` : `It must match ${String(error.params['pattern'])}.`;
}

function quoteHint(error: ErrorObject): string {
  const wantsString = error.params['type'] === 'string';
  const isScalar = typeof error.data === 'number' || typeof error.data === 'boolean' || error.data === null;
  return wantsString && isScalar ? ' (YAML reads it as a non-string: put it in quotes)' : '';
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${show(value)}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
