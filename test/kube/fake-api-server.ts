/**
 * A Kubernetes API server stand-in on 127.0.0.1:0 speaking the real HTTP protocol, for the
 * parts Ringmaster uses: custom resources (PackageRelease, RolloutPolicy, with `/status`),
 * `coordination.k8s.io/v1` Leases and `events.k8s.io/v1` Events. List carries a
 * resourceVersion; watch streams replay from it (ADDED/MODIFIED/DELETED, BOOKMARK when
 * asked, `ERROR` 410 when it is too old); writes follow FakeStore's rules. Test hooks drop,
 * close or expire the open watches, and inject failures.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ApiFailure, checkMicroTime, FakeStore, matchesLabels, type KubeObject, type ResourceType, type WatchEvent } from './fake-store.ts';

const CR = { generation: true, apiVersion: 'ringmaster.dev/v1alpha1' };
// As in crds/: only RolloutPolicy has a status subresource.
const TYPES = new Map<string, ResourceType>([
  ['ringmaster.dev/v1alpha1/packagereleases', { ...CR, statusSubresource: false, kind: 'PackageRelease', listKind: 'PackageReleaseList' }],
  ['ringmaster.dev/v1alpha1/rolloutpolicies', { ...CR, statusSubresource: true, kind: 'RolloutPolicy', listKind: 'RolloutPolicyList' }],
  ['coordination.k8s.io/v1/leases', {
    kind: 'Lease', listKind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1', statusSubresource: false, generation: false,
    validate: (o) => checkMicroTime((o.spec as Record<string, unknown> | undefined)?.renewTime, 'spec.renewTime') ?? checkMicroTime((o.spec as Record<string, unknown> | undefined)?.acquireTime, 'spec.acquireTime'),
  }],
  ['events.k8s.io/v1/events', {
    kind: 'Event', listKind: 'EventList', apiVersion: 'events.k8s.io/v1', statusSubresource: false, generation: false,
    validate: (o) => checkMicroTime(o.eventTime, 'eventTime') ?? checkMicroTime((o.series as Record<string, unknown> | undefined)?.lastObservedTime, 'series.lastObservedTime'),
  }],
]);

/** The one bearer token the fake accepts (`kubeConfig()` uses it). */
export const TOKEN = 'fake-token';

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/status]]` */
const PATH = /^\/apis\/([^/]+)\/([^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/(status))?$/;

export interface RequestRecord {
  method: string;
  path: string;
  contentType?: string;
  watch: boolean;
  status: number;
}

interface Failure {
  method: string;
  pattern: RegExp;
  status: number;
  left: number;
  when?: (url: URL) => boolean;
}

interface OpenWatch {
  res: ServerResponse;
  bookmarks: boolean;
  resource: string;
}

export interface FakeApiServer {
  readonly url: string;
  readonly store: FakeStore;
  /** Every request answered so far (watches recorded when they open). */
  readonly requests: RequestRecord[];
  /** A kubeconfig for this server (context namespace `namespace`, default `default`; token `token`). */
  kubeConfig(namespace?: string, token?: string): KubeConfig;
  /** Destroys every watch connection mid-stream (a network failure). */
  dropWatches(): void;
  /** Ends every watch normally (as the server's timeout does). */
  closeWatches(): void;
  /** Sends `ERROR` 410 on every watch, ends it and compacts history (forces a re-list). */
  expireWatches(): void;
  /** Sends a BOOKMARK at the current resourceVersion to watches that allow bookmarks. */
  bookmark(): void;
  /** The next `count` requests matching method, path (and `when`) answer with `status`. */
  failNext(method: string, pathPattern: RegExp, status: number, count?: number, when?: (url: URL) => boolean): void;
  /** The pending injected failures (clear it to stop injecting). */
  readonly failures: Failure[];
  openWatches(): number;
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const store = new FakeStore(TYPES);
  const watches = new Set<OpenWatch>();
  const requests: RequestRecord[] = [];
  const failures: Failure[] = [];

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => sendError(res, err instanceof ApiFailure ? err : new ApiFailure(500, 'InternalError', String(err))));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const record: RequestRecord = { method, path: url.pathname, watch: url.searchParams.get('watch') === 'true', status: 0, ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}) };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) throw new ApiFailure(401, 'Unauthorized', 'Unauthorized');
    const injected = failures.find((f) => f.left > 0 && f.method === method && f.pattern.test(url.pathname) && (f.when?.(url) ?? true));
    if (injected) {
      injected.left -= 1;
      throw new ApiFailure(injected.status, 'Injected', `injected failure ${injected.status}`);
    }
    const m = PATH.exec(url.pathname);
    if (!m) throw new ApiFailure(404, 'NotFound', `no route for ${url.pathname}`);
    const [, group, version, namespace, plural, name, sub] = m;
    const resource = `${group}/${version}/${plural}`;
    const type = store.types.get(resource);
    if (!type) throw new ApiFailure(404, 'NotFound', `the server could not find the requested resource ${resource}`);
    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readJson(req) : undefined;
    if (!name) return collection(req, res, url, method, resource, type, namespace, body);
    if (!namespace) throw new ApiFailure(404, 'NotFound', 'namespaced resource needs a namespace');
    const subresource = sub === 'status' ? 'status' : undefined;
    switch (method) {
      case 'GET': return send(res, 200, store.get(resource, namespace, name));
      case 'PUT': return send(res, 200, store.replace(resource, namespace, name, body as KubeObject, subresource));
      case 'PATCH': {
        const ct = String(req.headers['content-type'] ?? '').split(';')[0];
        // The real server refuses strategic merge for custom resources; we implement merge patch only.
        if (ct !== 'application/merge-patch+json') throw new ApiFailure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got ${ct})`);
        return send(res, 200, store.patch(resource, namespace, name, body, subresource));
      }
      case 'DELETE': return send(res, 200, store.delete(resource, namespace, name));
      default: throw new ApiFailure(405, 'MethodNotAllowed', method);
    }
  }

  function collection(req: IncomingMessage, res: ServerResponse, url: URL, method: string, resource: string, type: ResourceType, namespace: string | undefined, body: unknown): void {
    const labelSelector = url.searchParams.get('labelSelector') ?? undefined;
    if (method === 'POST') {
      if (!namespace) throw new ApiFailure(405, 'MethodNotAllowed', 'create needs a namespace');
      return send(res, 201, store.create(resource, namespace, body as KubeObject));
    }
    if (method !== 'GET') throw new ApiFailure(405, 'MethodNotAllowed', method);
    if (url.searchParams.get('watch') === 'true') return watch(req, res, url, resource, namespace, labelSelector);
    const items = store.list(resource, namespace, labelSelector);
    send(res, 200, { apiVersion: type.apiVersion, kind: type.listKind, metadata: { resourceVersion: String(store.currentVersion()) }, items });
  }

  function watch(req: IncomingMessage, res: ServerResponse, url: URL, resource: string, namespace: string | undefined, labelSelector: string | undefined): void {
    const from = url.searchParams.get('resourceVersion');
    const matches = (e: WatchEvent): boolean => e.resource === resource && (namespace === undefined || e.namespace === namespace) && matchesLabels(e.object, labelSelector);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const line = (type: string, object: unknown): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    let backlog: Array<{ type: string; object: unknown }>;
    if (!from || from === '0') {
      backlog = store.list(resource, namespace, labelSelector).map((object) => ({ type: 'ADDED', object }));
    } else {
      try {
        backlog = store.eventsSince(Number(from)).filter(matches);
      } catch (err) {
        const failure = err as ApiFailure;
        line('ERROR', statusOf(failure));
        res.end();
        return;
      }
    }
    for (const e of backlog) line(e.type, e.object);
    const open: OpenWatch = { res, bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true', resource };
    watches.add(open);
    const unsubscribe = store.subscribe((e) => matches(e) && line(e.type, e.object));
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const done = (): void => {
      unsubscribe();
      watches.delete(open);
      if (timer) clearTimeout(timer);
    };
    res.on('close', done);
    req.on('close', done);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const each = (fn: (w: OpenWatch) => void): void => [...watches].forEach(fn);

  return {
    url,
    store,
    requests,
    kubeConfig(namespace = 'default', token = TOKEN) {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace }],
        currentContext: 'fake',
      });
      return kc;
    },
    dropWatches: () => each((w) => w.res.socket?.destroy()),
    closeWatches: () => each((w) => w.res.end()),
    expireWatches() {
      store.compact();
      each((w) => {
        w.res.write(`${JSON.stringify({ type: 'ERROR', object: statusOf(new ApiFailure(410, 'Expired', 'too old resource version')) })}\n`);
        w.res.end();
      });
    },
    bookmark() {
      const rv = String(store.currentVersion());
      each((w) => w.bookmarks && !w.res.writableEnded && w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: TYPES.get(w.resource)?.kind, apiVersion: TYPES.get(w.resource)?.apiVersion, metadata: { resourceVersion: rv } } })}\n`));
    },
    failures,
    failNext(method, pattern, status, count = 1, when) {
      failures.push({ method, pattern, status, left: count, ...(when ? { when } : {}) });
    },
    openWatches: () => watches.size,
    async close() {
      each((w) => w.res.socket?.destroy());
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function statusOf(failure: ApiFailure): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: failure.message, reason: failure.reason, code: failure.code };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, failure: ApiFailure): void {
  if (res.headersSent) return void res.destroy();
  send(res, failure.code, statusOf(failure));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiFailure(400, 'BadRequest', 'request body is not JSON');
  }
}
