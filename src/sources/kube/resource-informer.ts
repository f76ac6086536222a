/**
 * One informer (list + watch) over a custom resource, kept alive. `@kubernetes/client-node`'s
 * ListWatch stops for good after a network error until `start()` is called again, so we
 * restart it with exponential backoff; we also ask for BOOKMARKs (they keep the watch's
 * resourceVersion fresh, so a reconnect resumes instead of re-listing) and a server-side
 * timeout (a watch ends normally every few minutes and is resumed, as client-go does).
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** A Watch that always asks for bookmarks and a server-side timeout. */
class ResumableWatch extends Watch {
  private readonly timeoutSeconds: number;
  constructor(config: KubeConfig, timeoutSeconds: number) {
    super(config);
    this.timeoutSeconds = timeoutSeconds;
  }
  override watch(path: string, queryParams: Record<string, string | number | boolean | undefined>, callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void, done: (err: unknown) => void): Promise<AbortController> {
    return super.watch(path, { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.timeoutSeconds }, callback, done);
  }
}

/** Inputs of `createResourceInformer`. */
export interface ResourceInformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  path: string;
  list: () => Promise<KubernetesListObject<T>>;
  logger: Logger;
  onUpsert: (object: T) => void;
  onDelete: (object: T) => void;
  /** Server-side watch timeout. Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Backoff between restarts after an error. Default 1 s doubling to 30 s. */
  restartDelayMs?: { initial: number; max: number };
}

/** A self-restarting informer. */
export interface ResourceInformer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** How many times the informer was restarted after an error (metrics, tests). */
  restarts(): number;
}

/** An informer on `path` that restarts itself after errors until `stop()`. */
export function createResourceInformer<T extends KubernetesObject>(opts: ResourceInformerOptions<T>): ResourceInformer {
  const delays = opts.restartDelayMs ?? { initial: 1_000, max: 30_000 };
  const informer = new ListWatch<T>(opts.path, new ResumableWatch(opts.kubeConfig, opts.watchTimeoutSeconds ?? 300), opts.list, false);
  let stopped = true;
  let delay = delays.initial;
  let timer: NodeJS.Timeout | undefined;
  let restarts = 0;

  const healthy = (): void => {
    delay = delays.initial;
  };
  informer.on('add', (o) => (healthy(), opts.onUpsert(o)));
  informer.on('update', (o) => (healthy(), opts.onUpsert(o)));
  informer.on('delete', (o) => (healthy(), opts.onDelete(o)));
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    opts.logger.warn({ err, path: opts.path, retryInMs: delay }, 'watch failed; restarting the informer');
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      restarts += 1;
      if (!stopped) void informer.start();
    }, delay);
    delay = Math.min(delay * 2, delays.max);
  });

  return {
    async start() {
      stopped = false;
      await informer.start();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
    restarts: () => restarts,
  };
}
