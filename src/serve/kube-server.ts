import type { KubeConfig } from '@kubernetes/client-node';
import type { OperatorView } from '../api/view.ts';
import { createController, type Controller } from '../controller/controller.ts';
import { createKubeMode, type KubeMode } from '../kube/kube-mode.ts';
import { summarizeStatuses } from '../kube/replica-aggregate.ts';
import type { OpampServer } from '../opamp/server.ts';
import { ConfigError, type ServeConfig } from './config.ts';
import { controllerLogic } from './logic.ts';
import { startPlatform, type StartServerOptions } from './platform.ts';

export interface KubeRunningServer {
  url: string;
  port: number;
  opamp: OpampServer;
  view: OperatorView;
  mode: KubeMode;
  /** The controller of the current leadership term; undefined while this replica follows. */
  controller(): Controller | undefined;
  /** Resolves once every leadership change so far has been acted on (tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `ringmaster serve --kube`: every replica serves OpAMP, artifacts, the API and the
 * dashboard; the replica holding the Lease runs the controller, which reads the custom
 * resources and writes their status. A new controller starts for every leadership term,
 * so it resumes from the statuses stored in the API, never from a stale memory.
 */
export async function startKubeServer(config: ServeConfig, options: StartServerOptions & { kubeConfig?: KubeConfig }): Promise<KubeRunningServer> {
  const kube = config.kube;
  if (!kube) throw new ConfigError('Kubernetes mode needs kube settings (serve --kube)');
  const { logger } = options;
  let controller: Controller | undefined;
  let term: Promise<void> = Promise.resolve();
  let listed = false;
  const platform = await startPlatform(config, options, { state: () => controller?.state, handlers: [], ready: () => ({ resourcesListed: listed }) });

  const startTerm = async (): Promise<void> => {
    const running = createController({
      source: mode.source, statusWriter: mode.statusWriter, fleet: platform.opamp, offers: platform.opamp, logic: controllerLogic,
      clock: platform.clock, logger: logger.child({ component: 'controller' }), ...options.controller,
      onReconciled: (info) => {
        mode.onReconciled(info);
        platform.recordReconcile(running.state, info);
      },
    });
    controller = running;
    logger.info({ identity: kube.identity }, 'leading: planning and writing status');
    await running.start();
  };
  const stopTerm = async (): Promise<void> => {
    const running = controller;
    controller = undefined;
    await running?.stop();
    logger.info({ identity: kube.identity }, 'no longer leading: serving agents only');
  };
  const enqueue = (step: () => Promise<void>): void => {
    term = term.then(step).catch((err: unknown) => logger.error({ err }, 'leadership change failed'));
  };

  const mode = createKubeMode({
    ...(kube.namespace ? { namespace: kube.namespace } : {}), allNamespaces: kube.allNamespaces,
    ...(kube.kubeconfig ? { kubeconfig: kube.kubeconfig } : {}), ...(options.kubeConfig ? { kubeConfig: options.kubeConfig } : {}),
    ...(kube.leaseNamespace ? { leaseNamespace: kube.leaseNamespace } : {}), ...(options.clock ? { clock: options.clock } : {}),
    identity: kube.identity, logger,
    onStartedLeading: () => enqueue(startTerm),
    onStoppedLeading: () => enqueue(stopTerm),
    collectAggregate: () => ({ agents: platform.opamp.agents().length, counts: summarizeStatuses(controller?.state.lastPlan?.statuses ?? {}) }),
  });
  await mode.start();
  listed = true;
  logger.info({ url: platform.url, scope: mode.scope }, 'ringmaster is serving (Kubernetes mode)');

  return {
    url: platform.url, port: platform.port, opamp: platform.opamp, view: platform.view, mode,
    controller: () => controller,
    settled: () => term,
    async close() {
      await platform.close(async () => {
        enqueue(stopTerm);
        await term;
        await mode.close();
      });
    },
  };
}
