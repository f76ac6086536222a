/**
 * Field-level diff of releases and policies between two revisions. Pure.
 *
 * Lists of named things (rings by `name`, artifacts by `os/arch`) are matched by key, so
 * inserting a ring shows as one added ring rather than every later ring "changed". Other
 * lists (approvals, selector expressions, windows) are compared whole: their order is
 * part of their meaning or they are short.
 */
import type { PackageRelease, RolloutPolicy } from '../manifests/types.ts';
import type { FieldChange, ObjectChange, ObjectKind } from './types.ts';

type Manifest = PackageRelease | RolloutPolicy;

/** Diffs two sets of objects of one kind, matched by `metadata.name`; sorted by name. */
export function diffObjects(kind: ObjectKind, base: readonly Manifest[], head: readonly Manifest[]): ObjectChange[] {
  const before = byName(base);
  const after = byName(head);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: ObjectChange[] = [];
  for (const name of names) {
    const b = before.get(name);
    const a = after.get(name);
    if (!b) changes.push({ kind, name, change: 'added', fields: [] });
    else if (!a) changes.push({ kind, name, change: 'removed', fields: [] });
    else {
      const fields = diffValues('', comparable(b), comparable(a));
      if (fields.length > 0) changes.push({ kind, name, change: 'changed', fields });
    }
  }
  return changes;
}

/** Whether two JSON-like values are equal (object key order ignored). */
export function deepEqual(x: unknown, y: unknown): boolean {
  return diffValues('', x, y).length === 0;
}

/** Every leaf that differs between `before` and `after`, in path order. */
export function diffValues(path: string, before: unknown, after: unknown): FieldChange[] {
  if (isRecord(before) && isRecord(after)) return diffRecords(path, before, after);
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = listKey(before, after);
    if (key) return diffRecords(path, keyed(before, key), keyed(after, key), true);
    return sameArray(before, after) ? [] : [{ path, before, after }];
  }
  if (before === after) return [];
  const change: FieldChange = { path };
  if (before !== undefined) change.before = before;
  if (after !== undefined) change.after = after;
  return [change];
}

function diffRecords(path: string, before: Record<string, unknown>, after: Record<string, unknown>, list = false): FieldChange[] {
  const keys = list ? unionInOrder(before, after) : [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: FieldChange[] = [];
  for (const key of keys) {
    const child = list ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    out.push(...diffValues(child, before[key], after[key]));
  }
  return out;
}

function sameArray(x: unknown[], y: unknown[]): boolean {
  return x.length === y.length && x.every((item, i) => diffValues('', item, y[i]).length === 0);
}

type KeyOf = (item: Record<string, unknown>) => string;

const byItemName: KeyOf = (item) => String(item['name']);
const byPlatform: KeyOf = (item) => `${String(item['os'])}/${String(item['arch'])}`;

// Only lists whose items all carry the key, with no duplicate keys, are matched by key.
function listKey(x: unknown[], y: unknown[]): KeyOf | undefined {
  const items = [...x, ...y];
  if (items.length === 0 || !items.every(isRecord)) return undefined;
  const records = items as Record<string, unknown>[];
  if (records.every((r) => typeof r['name'] === 'string')) return uniqueKeys([x, y], byItemName) ? byItemName : undefined;
  if (records.every((r) => typeof r['os'] === 'string' && typeof r['arch'] === 'string')) {
    return uniqueKeys([x, y], byPlatform) ? byPlatform : undefined;
  }
  return undefined;
}

function uniqueKeys(lists: unknown[][], key: KeyOf): boolean {
  return lists.every((list) => new Set(list.map((item) => key(item as Record<string, unknown>))).size === list.length);
}

function keyed(list: unknown[], key: KeyOf): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of list) out[key(item as Record<string, unknown>)] = item;
  return out;
}

// Head's order first, then what only base had: rings read in the order they run.
function unionInOrder(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = Object.keys(after);
  for (const key of Object.keys(before)) if (!(key in after)) keys.push(key);
  return keys;
}

// Compare what the user declares; server-managed metadata and status are not the change.
function comparable(object: Manifest): Record<string, unknown> {
  const { generation: _g, resourceVersion: _r, uid: _u, ...metadata } = object.metadata;
  return { metadata, spec: object.spec };
}

function byName(objects: readonly Manifest[]): Map<string, Manifest> {
  return new Map(objects.map((o) => [o.metadata.name, o]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
