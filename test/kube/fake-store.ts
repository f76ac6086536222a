/**
 * The state behind the fake API server: objects with resourceVersion, uid and generation,
 * a bounded event history for watches, and the API's write rules (409 on a stale
 * resourceVersion, generation bumps on spec changes only, status only through `/status`).
 * Real semantics, not canned answers (STYLE.md: a fake only where the real thing cannot run).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };

/** How one resource type behaves. */
export interface ResourceType {
  kind: string;
  listKind: string;
  apiVersion: string;
  /** `status` is written only through the `/status` subresource. */
  statusSubresource: boolean;
  /** `metadata.generation` counts changes of the spec (of all but metadata without a status subresource). */
  generation: boolean;
  /** Extra validation; returns an error message or undefined. */
  validate?: (object: KubeObject) => string | undefined;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  namespace: string;
  object: KubeObject;
  rv: number;
}

/** An API error as a `Status` object. */
export class ApiFailure extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.code = code;
    this.reason = reason;
  }
}

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Lease and Event timestamps are `MicroTime`: the real API server refuses anything else. */
export function checkMicroTime(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && MICRO_TIME.test(value) ? undefined : `${field}: must be RFC 3339 with microseconds (MicroTime), got ${JSON.stringify(value)}`;
}

export class FakeStore {
  readonly types: Map<string, ResourceType>;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: WatchEvent[] = [];
  private readonly listeners = new Set<(event: WatchEvent) => void>();
  private rv = 100;
  /** Watches from a resourceVersion older than this get 410 Gone. */
  compactedBelow = 0;
  historyLimit = 1000;

  constructor(types: Map<string, ResourceType>) {
    this.types = types;
  }

  currentVersion(): number {
    return this.rv;
  }

  list(resource: string, namespace: string | undefined, labelSelector?: string): KubeObject[] {
    const items: KubeObject[] = [];
    for (const [key, object] of this.objects) {
      const [r, ns] = key.split('|');
      if (r !== resource || (namespace !== undefined && ns !== namespace)) continue;
      if (matchesLabels(object, labelSelector)) items.push(structuredClone(object));
    }
    return items.sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  }

  get(resource: string, namespace: string, name: string): KubeObject {
    const object = this.objects.get(keyOf(resource, namespace, name));
    if (!object) throw new ApiFailure(404, 'NotFound', `${resource} "${name}" not found`);
    return structuredClone(object);
  }

  create(resource: string, namespace: string, body: KubeObject): KubeObject {
    const type = this.typeOf(resource);
    const name = body.metadata?.name;
    if (typeof name !== 'string' || name === '') throw new ApiFailure(422, 'Invalid', 'metadata.name: Required value');
    if (this.objects.has(keyOf(resource, namespace, name))) throw new ApiFailure(409, 'AlreadyExists', `${resource} "${name}" already exists`);
    const object = structuredClone(body);
    if (type.statusSubresource) delete object.status;
    object.apiVersion = type.apiVersion;
    object.kind = type.kind;
    object.metadata = { ...object.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    delete object.metadata.resourceVersion;
    if (type.generation) object.metadata.generation = 1;
    return this.commit('ADDED', resource, namespace, name, object);
  }

  /** PUT: optimistic concurrency on `metadata.resourceVersion` when the body carries one. */
  replace(resource: string, namespace: string, name: string, body: KubeObject, subresource?: 'status'): KubeObject {
    const current = this.get(resource, namespace, name);
    checkVersion(current, body);
    return this.update(resource, namespace, name, current, body, subresource);
  }

  /** Merge patch (RFC 7386); a `metadata.resourceVersion` in the patch is a precondition. */
  patch(resource: string, namespace: string, name: string, patch: unknown, subresource?: 'status'): KubeObject {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw new ApiFailure(400, 'BadRequest', 'merge patch must be a JSON object');
    const current = this.get(resource, namespace, name);
    checkVersion(current, patch as KubeObject);
    const merged = applyMergePatch(current, patch) as KubeObject;
    return this.update(resource, namespace, name, current, merged, subresource);
  }

  delete(resource: string, namespace: string, name: string): KubeObject {
    const current = this.get(resource, namespace, name);
    this.objects.delete(keyOf(resource, namespace, name));
    this.rv += 1;
    current.metadata.resourceVersion = String(this.rv);
    this.emit({ type: 'DELETED', resource, namespace, object: current, rv: this.rv });
    return current;
  }

  /** Events after `since` for a watch; throws 410 when `since` was compacted away. */
  eventsSince(since: number): WatchEvent[] {
    if (since < this.compactedBelow) throw new ApiFailure(410, 'Expired', `too old resource version: ${since} (${this.compactedBelow})`);
    return this.history.filter((e) => e.rv > since).map((e) => ({ ...e, object: structuredClone(e.object) }));
  }

  /** Forgets history up to now: watches from any older version get 410 Gone. */
  compact(): void {
    this.compactedBelow = this.rv;
    this.history.length = 0;
  }

  subscribe(listener: (event: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private typeOf(resource: string): ResourceType {
    const type = this.types.get(resource);
    if (!type) throw new ApiFailure(404, 'NotFound', `the server could not find the requested resource ${resource}`);
    return type;
  }

  private update(resource: string, namespace: string, name: string, current: KubeObject, body: KubeObject, subresource?: 'status'): KubeObject {
    const type = this.typeOf(resource);
    let next: KubeObject;
    if (subresource === 'status') {
      if (!type.statusSubresource) throw new ApiFailure(404, 'NotFound', `${resource} has no status subresource`);
      next = { ...current, status: body.status };
      if (body.status === undefined) delete next.status;
    } else {
      next = { ...structuredClone(body), metadata: { ...current.metadata, labels: body.metadata?.labels, annotations: body.metadata?.annotations } };
      for (const k of ['labels', 'annotations']) if (next.metadata[k] === undefined) delete next.metadata[k];
      if (type.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = current.status;
      }
      // With a status subresource only spec changes count; without one, everything but metadata.
      const tracked = (o: KubeObject): unknown => (type.statusSubresource ? o.spec : { ...o, metadata: undefined });
      if (type.generation && !isDeepStrictEqual(tracked(current), tracked(next))) next.metadata.generation = Number(current.metadata.generation ?? 0) + 1;
    }
    next.apiVersion = type.apiVersion;
    next.kind = type.kind;
    const comparable = (o: KubeObject): unknown => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
    // A write that changes nothing is not stored: no new resourceVersion, no watch event.
    if (isDeepStrictEqual(comparable(current), comparable(next))) return current;
    return this.commit('MODIFIED', resource, namespace, name, next);
  }

  private commit(type: 'ADDED' | 'MODIFIED', resource: string, namespace: string, name: string, object: KubeObject): KubeObject {
    const problem = this.types.get(resource)?.validate?.(object);
    if (problem) throw new ApiFailure(422, 'Invalid', problem);
    this.rv += 1;
    object.metadata.resourceVersion = String(this.rv);
    this.objects.set(keyOf(resource, namespace, name), object);
    this.emit({ type, resource, namespace, object: structuredClone(object), rv: this.rv });
    return structuredClone(object);
  }

  private emit(event: WatchEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedBelow = dropped.rv;
    }
    for (const listener of this.listeners) listener(event);
  }
}

function keyOf(resource: string, namespace: string, name: string): string {
  return `${resource}|${namespace}|${name}`;
}

function checkVersion(current: KubeObject, body: { metadata?: Record<string, unknown> }): void {
  const wanted = body.metadata?.resourceVersion;
  if (wanted === undefined || wanted === null) return;
  if (wanted !== current.metadata.resourceVersion) {
    throw new ApiFailure(409, 'Conflict', `Operation cannot be fulfilled on "${String(current.metadata.name)}": the object has been modified; please apply your changes to the latest version and try again`);
  }
}

/** RFC 7386, written here independently of the code under test. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** Equality-based label selectors (`a=b,c=d`), the subset the client uses. */
export function matchesLabels(object: KubeObject, selector: string | undefined): boolean {
  if (!selector) return true;
  const labels = (object.metadata.labels ?? {}) as Record<string, string>;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return key !== undefined && labels[key] === value;
  });
}
