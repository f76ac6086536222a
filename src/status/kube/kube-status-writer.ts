/**
 * `StatusWriter` onto the RolloutPolicy `status` subresource: a JSON merge patch carrying
 * the resourceVersion it was computed against (409 → re-read and retry), sent only when the
 * status differs from what the object holds, with `observedGeneration` = the generation of
 * the policy in the snapshot the status was planned from (`status.observedRevision`).
 */
import { isDeepStrictEqual } from 'node:util';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Inventory, StatusWriter } from '../../controller/ports.ts';
import { validatePolicyStatus } from '../../manifests/validate-status.ts';
import type { PolicyStatus } from '../../manifests/types.ts';
import { apiError, checkObjectName, GROUP, LIST_HINTS, httpStatusOf, KubeError, RESOURCES, VERSION, type KubeScope } from '../../kube/client.ts';
import type { KubeResource, PolicyLocation } from '../../sources/kube/object-index.ts';
import { createMergePatch } from './merge-patch.ts';

/** Inputs of `createKubeStatusWriter`. */
export interface KubeStatusWriterOptions {
  kubeConfig: KubeConfig;
  scope: KubeScope;
  logger: Logger;
  /** Where a policy lives, and its generation in a revision (the Kubernetes source's `locatePolicy`). */
  locate: (policy: string, revision?: string) => PolicyLocation | undefined;
  /** The informer's latest copy of a policy, when newer than ours (the source's `policyObject`). */
  observe?: (namespace: string, name: string) => KubeResource | undefined;
  /** Attempts after a 409 conflict. Default 5. */
  maxConflictRetries?: number;
  fieldManager?: string;
}

interface Held {
  resourceVersion: string;
  status: unknown;
}

const PLURAL = RESOURCES.RolloutPolicy.plural;

/**
 * A `StatusWriter` on the RolloutPolicy status subresource. `write` resolves once stored
 * (no batching); it rejects with `KubeError` `E_KUBE_NAME`, `E_KUBE_NOT_FOUND`,
 * `E_KUBE_CONFLICT` (after the retries), `E_KUBE_API` or `E_KUBE_CLOSED`. `writeInventory`
 * stores nothing (docs/kubernetes.md).
 */
export function createKubeStatusWriter(opts: KubeStatusWriterOptions): StatusWriter {
  const api = opts.kubeConfig.makeApiClient(CustomObjectsApi);
  const held = new Map<string, Held>();
  const chains = new Map<string, Promise<void>>();
  const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  const retries = opts.maxConflictRetries ?? 5;
  let closed = false;

  const read = async (namespace: string, name: string): Promise<Held> => {
    try {
      const object = (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as KubeResource;
      return remember(namespace, name, object);
    } catch (err) {
      throw apiError(`read rolloutpolicy ${namespace}/${name}`, err);
    }
  };

  const remember = (namespace: string, name: string, object: KubeResource): Held => {
    const entry = { resourceVersion: object.metadata?.resourceVersion ?? '', status: object.status };
    held.set(`${namespace}/${name}`, entry);
    return entry;
  };

  // Ours or the informer's copy, whichever is newer; a GET when we have neither.
  const latest = async (namespace: string, name: string): Promise<Held> => {
    const ours = held.get(`${namespace}/${name}`);
    const seen = opts.observe?.(namespace, name);
    if (seen && (!ours || Number(seen.metadata?.resourceVersion) > Number(ours.resourceVersion))) return remember(namespace, name, seen);
    return ours ?? read(namespace, name);
  };

  const patchOnce = async (location: PolicyLocation, desired: Record<string, unknown>, base: Held): Promise<void> => {
    const { namespace, name } = location;
    const body = { metadata: { resourceVersion: base.resourceVersion }, status: base.status === undefined ? desired : createMergePatch(base.status, desired) };
    const object = (await api.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body, ...(opts.fieldManager ? { fieldManager: opts.fieldManager } : {}) }, mergePatch)) as KubeResource;
    remember(namespace, name, object);
  };

  const writeNow = async (location: PolicyLocation, status: PolicyStatus): Promise<void> => {
    for (let attempt = 0; ; attempt += 1) {
      const base = attempt === 0 ? await latest(location.namespace, location.name) : await read(location.namespace, location.name);
      const desired = desiredStatus(status, opts.locate(location.name, status.observedRevision), base.status);
      if (isDeepStrictEqual(base.status, desired)) return;
      try {
        await patchOnce(location, desired, base);
        return;
      } catch (err) {
        if (httpStatusOf(err) === 409 && attempt < retries) {
          opts.logger.debug({ policy: location.name, attempt }, 'status conflict; re-reading');
          continue;
        }
        throw apiError(`write status of rolloutpolicy ${location.namespace}/${location.name}`, err);
      }
    }
  };

  return {
    async readAll() {
      const items = await listPolicies(api, opts.scope);
      const result: Record<string, PolicyStatus> = {};
      for (const object of items) {
        const { name = '', namespace = '' } = object.metadata ?? {};
        const home = opts.locate(name)?.namespace;
        if (home !== undefined && home !== namespace) continue;
        remember(namespace, name, object);
        if (object.status === undefined || name in result) continue;
        const { observedGeneration: _generation, ...rest } = object.status as Record<string, unknown>;
        const valid = validatePolicyStatus(rest);
        if (valid.ok) result[name] = valid.status;
        else opts.logger.warn({ policy: name, namespace, problems: valid.problems.slice(0, 5) }, 'ignoring a status that does not match the schema');
      }
      return result;
    },
    async write(policy, status) {
      if (closed) throw new KubeError('E_KUBE_CLOSED', `status writer is closed; cannot write the status of ${policy}`);
      checkObjectName(policy);
      const location = opts.locate(policy, status.observedRevision) ?? opts.locate(policy);
      if (!location) throw new KubeError('E_KUBE_NOT_FOUND', `rolloutpolicy ${policy} is not in the watched namespaces; cannot write its status`);
      // Writes of one policy run in order; different policies in parallel.
      const previous = chains.get(policy) ?? Promise.resolve();
      const next = previous.catch(() => undefined).then(() => writeNow(location, status));
      chains.set(policy, next);
      try {
        await next;
      } finally {
        if (chains.get(policy) === next) chains.delete(policy);
      }
    },
    async writeInventory(_inventory: Inventory) {
      // Not stored in Kubernetes mode: a fleet inventory is megabytes that change all the
      // time — past the 1 MiB object limit and heavy on etcd. `ringmaster plan --server`
      // reads the live fleet from the API instead (docs/kubernetes.md).
    },
    async flush() {
      await Promise.allSettled([...chains.values()]);
    },
    async close() {
      closed = true;
      await Promise.allSettled([...chains.values()]);
    },
  };
}

/**
 * The status as stored: the planned one plus `observedGeneration`. When the revision is
 * unknown (evicted from the source's history) the stored value is kept rather than guessed.
 */
function desiredStatus(status: PolicyStatus, served: PolicyLocation | undefined, stored: unknown): Record<string, unknown> {
  const { observedGeneration: _ignored, ...rest } = status;
  const previous = (stored as { observedGeneration?: unknown } | undefined)?.observedGeneration;
  const generation = served?.generation ?? (typeof previous === 'number' ? previous : undefined);
  return stripUndefined(generation === undefined ? { ...rest } : { ...rest, observedGeneration: generation });
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

async function listPolicies(api: CustomObjectsApi, scope: KubeScope): Promise<KubeResource[]> {
  const base = { group: GROUP, version: VERSION, plural: PLURAL };
  try {
    const list = ('namespace' in scope ? await api.listNamespacedCustomObject({ ...base, namespace: scope.namespace }) : await api.listClusterCustomObject(base)) as { items?: KubeResource[] };
    return list.items ?? [];
  } catch (err) {
    throw apiError('list rolloutpolicies', err, LIST_HINTS);
  }
}
