/**
 * The source's view of the custom resources: fed by informer events and by fresh lists,
 * turned into a `ManifestSnapshot` the controller loads exactly like Git files.
 *
 * The revision is a hash of every object's identity and `metadata.generation` — not of
 * resourceVersion — so status writes (ours included) never make a new revision, while any
 * spec change (generation bump) or object coming or going does.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { ManifestFile, ManifestSnapshot } from '../../controller/ports.ts';
import type { ResourceKind } from '../../kube/client.ts';

/** The parts of a custom resource the source reads. */
export interface KubeResource {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; resourceVersion?: string; creationTimestamp?: string | Date; labels?: Record<string, string> };
  spec?: unknown;
  status?: unknown;
}

/** Where a policy lives and which generation a snapshot served. */
export interface PolicyLocation {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
}

/** An object left out because another namespace already uses its name (all-namespaces mode). */
export interface NameConflict {
  kind: ResourceKind;
  name: string;
  kept: string;
  ignored: string;
}

/** A snapshot plus what the status writer and conflict reporting need. */
export interface IndexedSnapshot extends ManifestSnapshot {
  policies: ReadonlyMap<string, PolicyLocation>;
  conflicts: NameConflict[];
}

/** The latest known version of every object, keyed by kind, namespace and name. */
export class ObjectIndex {
  private readonly entries = new Map<string, { kind: ResourceKind; object: KubeResource }>();

  /** Adds or replaces an object unless we already hold a newer version of it. */
  upsert(kind: ResourceKind, object: KubeResource): void {
    const key = keyOf(kind, object);
    const held = this.entries.get(key);
    if (held && held.object.metadata?.uid === object.metadata?.uid && isOlder(object, held.object)) return;
    this.entries.set(key, { kind, object });
  }

  remove(kind: ResourceKind, object: KubeResource): void {
    const key = keyOf(kind, object);
    const held = this.entries.get(key);
    // A stale DELETED for an object that was re-created since (new uid) must not remove it.
    if (held && held.object.metadata?.uid === object.metadata?.uid) this.entries.delete(key);
  }

  /**
   * Applies a fresh list of a kind taken at `listVersion`: listed objects are upserted, and
   * held objects the list lacks are dropped unless a watch event newer than the list
   * brought them in meanwhile.
   */
  replaceAll(kind: ResourceKind, objects: readonly KubeResource[], listVersion: string): void {
    const listed = new Set(objects.map((o) => keyOf(kind, o)));
    const marker: KubeResource = { metadata: { resourceVersion: listVersion } };
    for (const [key, entry] of this.entries) {
      if (entry.kind === kind && !listed.has(key) && !isOlder(marker, entry.object)) this.entries.delete(key);
    }
    for (const object of objects) this.upsert(kind, object);
  }

  /** The current policy object by namespace and name (its `.status`, resourceVersion). */
  policy(namespace: string, name: string): KubeResource | undefined {
    return this.entries.get(`RolloutPolicy/${namespace}/${name}`)?.object;
  }

  snapshot(): IndexedSnapshot {
    const { kept, conflicts } = this.dedupe();
    const files: ManifestFile[] = [];
    const policies = new Map<string, PolicyLocation>();
    const hash = createHash('sha256');
    for (const { kind, object } of kept) {
      const meta = object.metadata ?? {};
      const namespace = meta.namespace ?? '';
      const name = meta.name ?? '';
      hash.update(`${kind}\0${namespace}\0${name}\0${meta.uid ?? ''}\0${meta.generation ?? 0}\n`);
      files.push({ path: pathOf(kind, namespace, name), content: documentOf(kind, object) });
      if (kind === 'RolloutPolicy') policies.set(name, { namespace, name, uid: meta.uid ?? '', generation: meta.generation ?? 0 });
    }
    return { revision: hash.digest('hex').slice(0, 40), files, policies, conflicts };
  }

  /**
   * Names are global to the controller (statuses are keyed by name, policies name releases),
   * so across namespaces the oldest object keeps a name and later ones are left out and
   * reported — one team's duplicate never blocks another team's rollout or its `abort`.
   */
  private dedupe(): { kept: Array<{ kind: ResourceKind; object: KubeResource }>; conflicts: NameConflict[] } {
    const sorted = [...this.entries.values()].sort((a, b) => compareAge(a.object, b.object));
    const owner = new Map<string, string>();
    const kept: Array<{ kind: ResourceKind; object: KubeResource }> = [];
    const conflicts: NameConflict[] = [];
    for (const entry of sorted) {
      const name = entry.object.metadata?.name ?? '';
      const namespace = entry.object.metadata?.namespace ?? '';
      const held = owner.get(`${entry.kind}/${name}`);
      if (held !== undefined) {
        conflicts.push({ kind: entry.kind, name, kept: held, ignored: namespace });
        continue;
      }
      owner.set(`${entry.kind}/${name}`, namespace);
      kept.push(entry);
    }
    kept.sort((a, b) => pathOf(a.kind, a.object.metadata?.namespace ?? '', a.object.metadata?.name ?? '').localeCompare(pathOf(b.kind, b.object.metadata?.namespace ?? '', b.object.metadata?.name ?? '')));
    return { kept, conflicts };
  }
}

/**
 * `rolloutpolicies/<namespace>.<name>.yaml`: a namespace is a DNS label (no dot), so the
 * first dot separates it; flat on purpose — a namespace called `status` must not look like
 * the Git mode's `status/` directory, which the loader skips.
 */
export function pathOf(kind: ResourceKind, namespace: string, name: string): string {
  return `${kind === 'RolloutPolicy' ? 'rolloutpolicies' : 'packagereleases'}/${namespace}.${name}.yaml`;
}

/**
 * The object as a manifest: apiVersion, kind, name, namespace and spec — exactly what the
 * generation covers, so a revision always means the same content. Status, labels,
 * annotations (kubectl's last-applied-configuration would double every object) and
 * server-managed metadata are not declarations the planner reads.
 */
function documentOf(kind: ResourceKind, object: KubeResource): string {
  const meta = object.metadata ?? {};
  return stringify({ apiVersion: object.apiVersion ?? 'ringmaster.dev/v1alpha1', kind, metadata: { name: meta.name, namespace: meta.namespace }, spec: object.spec ?? null });
}

function keyOf(kind: ResourceKind, object: KubeResource): string {
  return `${kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/**
 * resourceVersions are opaque, but every API server we know backs them with etcd's
 * monotonic revision; when both parse as integers the smaller one is older.
 */
function isOlder(a: KubeResource, b: KubeResource): boolean {
  const x = Number(a.metadata?.resourceVersion);
  const y = Number(b.metadata?.resourceVersion);
  return Number.isSafeInteger(x) && Number.isSafeInteger(y) && x < y;
}

function compareAge(a: KubeResource, b: KubeResource): number {
  const ta = timeOf(a.metadata?.creationTimestamp);
  const tb = timeOf(b.metadata?.creationTimestamp);
  if (ta !== tb) return ta - tb;
  return (a.metadata?.namespace ?? '').localeCompare(b.metadata?.namespace ?? '');
}

function timeOf(value: string | Date | undefined): number {
  const t = value instanceof Date ? value.getTime() : Date.parse(value ?? '');
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}
