/**
 * Agent attributes as the fleet view sees them: the `AgentDescription` key-values
 * flattened to a string map (DESIGN.md: selectors match over these strings).
 */
import type { AgentDescription, AnyValue, KeyValue } from './messages.ts';

/**
 * Flattens an agent description into `key → string`. Identifying attributes come first
 * and win over a non-identifying attribute with the same key (they name the agent).
 * Entries without a key are skipped. Values render as: strings as is, booleans and
 * numbers in their usual text form, bytes as lowercase hex, arrays and key-value lists
 * as JSON of their rendered members, an unset value as the empty string.
 */
export function flattenAttributes(description: AgentDescription): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of description.identifyingAttributes ?? []) addIfAbsent(out, kv);
  for (const kv of description.nonIdentifyingAttributes ?? []) addIfAbsent(out, kv);
  return out;
}

/** Turns a string map into OpAMP key-values with string values, in the map's order. */
export function toKeyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: { stringValue: value } }));
}

function addIfAbsent(out: Record<string, string>, kv: KeyValue): void {
  if (kv.key === undefined || kv.key === '' || Object.hasOwn(out, kv.key)) return;
  out[kv.key] = renderAnyValue(kv.value);
}

/** Renders one AnyValue as text (see `flattenAttributes`). */
export function renderAnyValue(value: AnyValue | undefined): string {
  const plain = toPlain(value);
  return typeof plain === 'string' ? plain : JSON.stringify(plain);
}

type Plain = string | number | boolean | Plain[] | { [key: string]: Plain };

function toPlain(value: AnyValue | undefined): Plain {
  if (value === undefined) return '';
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return String(value.boolValue);
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue).toString('hex');
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map((v) => nested(v));
  if (value.kvlistValue !== undefined) {
    const object: { [key: string]: Plain } = {};
    for (const kv of value.kvlistValue.values ?? []) {
      if (kv.key !== undefined) object[kv.key] = nested(kv.value);
    }
    return object;
  }
  return '';
}

/** Inside JSON, scalars keep their JSON types (`[1,true]`, not `["1","true"]`). */
function nested(value: AnyValue | undefined): Plain {
  if (value?.boolValue !== undefined) return value.boolValue;
  if (value?.intValue !== undefined) return value.intValue;
  if (value?.doubleValue !== undefined) return value.doubleValue;
  return toPlain(value);
}
