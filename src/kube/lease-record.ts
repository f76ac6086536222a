/**
 * The leader-election record kept in a `coordination.k8s.io/v1` Lease, read and written
 * with optimistic concurrency (the resourceVersion we read is a precondition of our write).
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { apiError, httpStatusOf } from './client.ts';

/** The fields of a Lease spec the election uses, times in epoch ms. */
export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** Epoch ms. */
  acquireTime: number;
  /** Epoch ms. */
  renewTime: number;
  leaseTransitions: number;
}

/** A Lease as read: its record and the resourceVersion to write against. */
export interface ReadLease {
  record: LeaseRecord;
  resourceVersion: string;
  /** Annotations, kept on update (per-replica leases carry data there). */
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

/** Create and update fail with `conflict` when someone else wrote first (409). */
export type LeaseWrite = { ok: true; lease: ReadLease } | { ok: false; conflict: true };

/** Lease reads and conditional writes in one namespace; API failures throw `KubeError`. */
export interface LeaseClient {
  read(name: string): Promise<ReadLease | undefined>;
  create(name: string, record: LeaseRecord, meta?: { labels?: Record<string, string>; annotations?: Record<string, string> }): Promise<LeaseWrite>;
  update(name: string, previous: ReadLease, record: LeaseRecord, annotations?: Record<string, string>): Promise<LeaseWrite>;
  list(labelSelector: string): Promise<Array<ReadLease & { name: string }>>;
  remove(name: string): Promise<void>;
}

/** A `LeaseClient` over `coordination.k8s.io/v1` in `namespace`. */
export function createLeaseClient(kubeConfig: KubeConfig, namespace: string): LeaseClient {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const guard = async (what: string, fn: () => Promise<V1Lease>): Promise<LeaseWrite> => {
    try {
      return { ok: true, lease: fromLease(await fn()) };
    } catch (err) {
      if (httpStatusOf(err) === 409) return { ok: false, conflict: true };
      throw apiError(what, err);
    }
  };
  return {
    async read(name) {
      try {
        return fromLease(await api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        if (httpStatusOf(err) === 404) return undefined;
        throw apiError(`read lease ${namespace}/${name}`, err);
      }
    },
    create: (name, record, meta = {}) => guard(`create lease ${namespace}/${name}`, () => api.createNamespacedLease({ namespace, body: toLease(name, record, undefined, meta) })),
    update: (name, previous, record, annotations) => guard(`update lease ${namespace}/${name}`, () => api.replaceNamespacedLease({
      name, namespace, body: toLease(name, record, previous.resourceVersion, { labels: previous.labels, annotations: annotations ?? previous.annotations }),
    })),
    async list(labelSelector) {
      try {
        const leases = await api.listNamespacedLease({ namespace, labelSelector });
        return leases.items.map((l) => ({ ...fromLease(l), name: l.metadata?.name ?? '' }));
      } catch (err) {
        throw apiError(`list leases in ${namespace}`, err);
      }
    },
    async remove(name) {
      try {
        await api.deleteNamespacedLease({ name, namespace });
      } catch (err) {
        if (httpStatusOf(err) !== 404) throw apiError(`delete lease ${namespace}/${name}`, err);
      }
    },
  };
}

function toLease(name: string, r: LeaseRecord, resourceVersion: string | undefined, meta: { labels?: Record<string, string>; annotations?: Record<string, string> }): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, ...(resourceVersion ? { resourceVersion } : {}), ...(meta.labels ? { labels: meta.labels } : {}), ...(meta.annotations ? { annotations: meta.annotations } : {}) },
    spec: {
      holderIdentity: r.holderIdentity,
      leaseDurationSeconds: r.leaseDurationSeconds,
      // The API refuses anything but MicroTime (RFC 3339 with microseconds) here.
      acquireTime: new V1MicroTime(r.acquireTime),
      renewTime: new V1MicroTime(r.renewTime),
      leaseTransitions: r.leaseTransitions,
    },
  };
}

function fromLease(lease: V1Lease): ReadLease {
  const spec = lease.spec ?? {};
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    annotations: lease.metadata?.annotations ?? {},
    labels: lease.metadata?.labels ?? {},
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: timeOf(spec.acquireTime),
      renewTime: timeOf(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

// The client hands MicroTime back as the raw string (it is not in its type map) or a Date.
function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? 0 : t;
}
