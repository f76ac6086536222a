/**
 * Client setup for Kubernetes mode: where the kubeconfig comes from, which namespaces we
 * watch, the custom resources' coordinates, and a classified error type for API failures.
 */
import { KubeConfig } from '@kubernetes/client-node';

/** API group of the custom resources. */
export const GROUP = 'ringmaster.dev';
/** Served (and stored) version of the custom resources. */
export const VERSION = 'v1alpha1';

/** The two custom resources, as the API names them. */
export const RESOURCES = {
  PackageRelease: { plural: 'packagereleases' },
  RolloutPolicy: { plural: 'rolloutpolicies' },
} as const;

/** `PackageRelease` or `RolloutPolicy`. */
export type ResourceKind = keyof typeof RESOURCES;

/** Which namespaces Ringmaster reads: one (default: the pod's own), or all of them. */
export type KubeScope = { namespace: string } | { allNamespaces: true };

/**
 * Loads a kubeconfig: the file given, else the usual places (`$KUBECONFIG`, `~/.kube/config`)
 * and, inside a pod, the service account (`loadFromDefault` tries in-cluster itself).
 */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new KubeError('E_KUBE_CONFIG', `cannot load kubeconfig${kubeconfig ? ` ${kubeconfig}` : ''}: ${(cause as Error).message}; pass --kubeconfig or set KUBECONFIG`, { cause });
  }
  if (!kc.getCurrentCluster()) throw new KubeError('E_KUBE_CONFIG', 'the kubeconfig has no current cluster; set current-context or pass --kubeconfig');
  return kc;
}

/**
 * The namespace to use when none is given: the kubeconfig context's namespace (in a pod
 * that is the service account's namespace), else `default`.
 */
export function defaultNamespace(kc: KubeConfig): string {
  const context = kc.getContextObject(kc.getCurrentContext());
  return context?.namespace || 'default';
}

/** The list/watch path of a custom resource in a scope. */
export function collectionPath(kind: ResourceKind, scope: KubeScope): string {
  const ns = 'namespace' in scope ? `/namespaces/${scope.namespace}` : '';
  return `/apis/${GROUP}/${VERSION}${ns}/${RESOURCES[kind].plural}`;
}

/** Stable codes of Kubernetes-mode failures (docs/kubernetes.md, "Errors"). */
export type KubeErrorCode = 'E_KUBE_CONFIG' | 'E_KUBE_API' | 'E_KUBE_NAME' | 'E_KUBE_NOT_FOUND' | 'E_KUBE_CLOSED' | 'E_KUBE_CONFLICT';

/** An API or setup failure with a stable code; `status` is the HTTP status when there was one. */
export class KubeError extends Error {
  readonly code: KubeErrorCode;
  readonly status: number | undefined;
  constructor(code: KubeErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeError';
    this.code = code;
    this.status = options.status;
  }
}

/** The HTTP status of an error thrown by `@kubernetes/client-node` (its `ApiException.code`). */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/** Wraps a client error into a `KubeError` that says what was attempted, and how to fix it when we know. */
export function apiError(what: string, err: unknown, hints: Partial<Record<number, string>> = {}): KubeError {
  if (err instanceof KubeError) return err;
  const status = httpStatusOf(err);
  const code = status === 404 ? 'E_KUBE_NOT_FOUND' : status === 409 ? 'E_KUBE_CONFLICT' : 'E_KUBE_API';
  const hint = status === undefined ? undefined : hints[status] ?? DEFAULT_HINTS[status];
  const detail = messageOf(err);
  return new KubeError(code, `${what}: ${status ? `HTTP ${status}: ` : ''}${detail}${hint ? ` (${hint})` : ''}`, { cause: err, ...(status ? { status } : {}) });
}

const DEFAULT_HINTS: Partial<Record<number, string>> = {
  401: 'the credentials were refused: check the kubeconfig user or the pod\'s service account token',
  403: 'the service account lacks a permission: apply deploy/rbac.yaml (docs/kubernetes.md lists the rules)',
};

/** Hints for listing our custom resources. */
export const LIST_HINTS: Partial<Record<number, string>> = {
  404: 'are the CRDs installed? kubectl apply -f crds/',
};

function messageOf(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      return body.slice(0, 300);
    }
  }
  return err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Object names must be DNS-1123 subdomains (≤ 253 characters). */
export function checkObjectName(name: string): void {
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new KubeError('E_KUBE_NAME', `"${name}" is not a valid Kubernetes object name: use lowercase letters, digits, "-" and "." (DNS-1123 subdomain, at most 253 characters)`);
  }
}
