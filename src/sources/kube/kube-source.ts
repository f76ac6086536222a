/**
 * `ManifestSource` over the Kubernetes API: informers on PackageRelease and RolloutPolicy,
 * a periodic full re-list of our own (informers have no resync), and snapshots of YAML
 * files that the controller loads exactly like a Git checkout. `onChange` fires only when
 * a spec changed (generation) or objects came or went — never for status writes.
 */
import { CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ManifestSnapshot, ManifestSource } from '../../controller/ports.ts';
import { apiError, collectionPath, GROUP, LIST_HINTS, RESOURCES, VERSION, type KubeScope, type ResourceKind } from '../../kube/client.ts';
import { ObjectIndex, type IndexedSnapshot, type KubeResource, type NameConflict, type PolicyLocation } from './object-index.ts';
import { createResourceInformer, type ResourceInformer } from './resource-informer.ts';

/** Inputs of `createKubeManifestSource`. */
export interface KubeSourceOptions {
  kubeConfig: KubeConfig;
  scope: KubeScope;
  logger: Logger;
  /** Full re-list period, a safety net under the watches. Default 5 min. */
  resyncMs?: number;
  /** Server-side watch timeout. Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Informer restart backoff. Default 1 s doubling to 30 s. */
  restartDelayMs?: { initial: number; max: number };
  /** How many past revisions keep their policy generations (for observedGeneration). Default 256. */
  revisionHistory?: number;
}

/** A `ManifestSource` that also tells where each policy lives and which generation it served. */
export interface KubeManifestSource extends ManifestSource {
  /**
   * Where a policy lives and its generation as served in `revision` (default: the current
   * snapshot); undefined when that revision is unknown or did not hold the policy.
   */
  locatePolicy(name: string, revision?: string): PolicyLocation | undefined;
  /** The latest object seen for a policy (its `.status` and resourceVersion). */
  policyObject(namespace: string, name: string): KubeResource | undefined;
  /** The policies of the current snapshot. */
  policies(): PolicyLocation[];
  /** Objects left out because their name is taken in another namespace. */
  conflicts(): readonly NameConflict[];
}

const KINDS: readonly ResourceKind[] = ['PackageRelease', 'RolloutPolicy'];

/**
 * A source over the API. `start()` lists both kinds (rejecting with `KubeError` when it
 * cannot: missing CRDs, RBAC) and then watches; `sync()` re-lists now; `onChange` fires only
 * for a new revision (spec generation or object set changed).
 */
export function createKubeManifestSource(opts: KubeSourceOptions): KubeManifestSource {
  const api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
  const index = new ObjectIndex();
  const history = new Map<string, ReadonlyMap<string, PolicyLocation>>();
  const historyLimit = opts.revisionHistory ?? 256;
  const listeners = new Set<(snapshot: ManifestSnapshot) => void>();
  let current: IndexedSnapshot | undefined;
  let informers: ResourceInformer[] = [];
  let resyncTimer: NodeJS.Timeout | undefined;
  let rebuildQueued = false;
  let running: Promise<ManifestSnapshot> | undefined;
  let queued: Promise<ManifestSnapshot> | undefined;
  let stopped = false;

  const list = async (kind: ResourceKind): Promise<KubernetesListObject<KubernetesObject>> => {
    const base = { group: GROUP, version: VERSION, plural: RESOURCES[kind].plural };
    try {
      return 'namespace' in opts.scope
        ? await api.listNamespacedCustomObject({ ...base, namespace: opts.scope.namespace })
        : await api.listClusterCustomObject(base);
    } catch (err) {
      throw apiError(`list ${RESOURCES[kind].plural}`, err, LIST_HINTS);
    }
  };

  const rebuild = (): IndexedSnapshot => {
    const next = index.snapshot();
    if (current?.revision === next.revision) {
      current = { ...next };
      return current;
    }
    current = next;
    history.set(next.revision, next.policies);
    while (history.size > historyLimit) history.delete(history.keys().next().value as string);
    for (const c of next.conflicts) opts.logger.warn({ kind: c.kind, name: c.name, kept: c.kept, ignored: c.ignored }, 'name already used in another namespace; this object is ignored');
    for (const listener of [...listeners]) listener(toSnapshot(next));
    return next;
  };

  // Informer events arrive one object at a time (a re-list is a burst): rebuild once per turn.
  const scheduleRebuild = (): void => {
    if (rebuildQueued || stopped) return;
    rebuildQueued = true;
    setImmediate(() => {
      rebuildQueued = false;
      if (!stopped && current) rebuild();
    });
  };

  const fullSync = async (): Promise<ManifestSnapshot> => {
    const lists = await Promise.all(KINDS.map(async (kind) => ({ kind, list: await list(kind) })));
    for (const { kind, list: l } of lists) index.replaceAll(kind, l.items as KubeResource[], l.metadata?.resourceVersion ?? '');
    return toSnapshot(rebuild());
  };

  const sync = (): Promise<ManifestSnapshot> => {
    if (!running) {
      running = fullSync().finally(() => (running = undefined));
      return running;
    }
    // One more pass after the running one, shared by every caller that arrives meanwhile.
    queued ??= running.catch(() => undefined).then(() => {
      queued = undefined;
      return sync();
    });
    return queued;
  };

  const startInformers = async (): Promise<void> => {
    informers = KINDS.map((kind) => createResourceInformer<KubernetesObject>({
      kubeConfig: opts.kubeConfig,
      path: collectionPath(kind, opts.scope),
      list: () => list(kind),
      logger: opts.logger.child({ informer: RESOURCES[kind].plural }),
      onUpsert: (o) => (index.upsert(kind, o as KubeResource), scheduleRebuild()),
      onDelete: (o) => (index.remove(kind, o as KubeResource), scheduleRebuild()),
      ...(opts.watchTimeoutSeconds ? { watchTimeoutSeconds: opts.watchTimeoutSeconds } : {}),
      ...(opts.restartDelayMs ? { restartDelayMs: opts.restartDelayMs } : {}),
    }));
    await Promise.all(informers.map((i) => i.start()));
  };

  const scheduleResync = (): void => {
    resyncTimer = setTimeout(() => {
      sync().catch((err: unknown) => opts.logger.warn({ err }, 'periodic re-list failed; retrying at the next period'))
        .finally(() => !stopped && scheduleResync());
    }, opts.resyncMs ?? 300_000);
    resyncTimer.unref();
  };

  return {
    async start() {
      stopped = false;
      await sync();
      await startInformers();
      scheduleResync();
    },
    async stop() {
      stopped = true;
      clearTimeout(resyncTimer);
      await Promise.all(informers.splice(0).map((i) => i.stop()));
    },
    current: () => (current ? toSnapshot(current) : undefined),
    sync,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    locatePolicy(name, revision) {
      const table = revision === undefined ? current?.policies : history.get(revision);
      return table?.get(name);
    },
    policyObject: (namespace, name) => index.policy(namespace, name),
    policies: () => [...(current?.policies.values() ?? [])],
    conflicts: () => current?.conflicts ?? [],
  };
}

function toSnapshot(s: IndexedSnapshot): ManifestSnapshot {
  return { revision: s.revision, files: s.files };
}
