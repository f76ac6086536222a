/**
 * Wires a real agent from its configuration: the supervisor installer (real collector and
 * sidecar processes, real addon files) behind the OpAMP agent.
 */
import type { Logger } from 'pino';
import { createAgent, type Agent } from './agent.ts';
import { agentOptionsFromConfig, type AgentConfig } from './config.ts';
import { createStateStore } from './state-store.ts';
import { createSupervisorInstaller } from './supervisor-installer.ts';

/** Creates the agent `ringmaster agent --config` runs. */
export function createAgentFromConfig(config: AgentConfig, logger: Logger): Agent {
  const installer = createSupervisorInstaller({
    collector: config.collector,
    sidecars: config.sidecars,
    store: createStateStore(config.stateDir),
    logger,
    ...(config.addons ? { addons: config.addons } : {}),
  });
  return createAgent({ ...agentOptionsFromConfig(config), installer, logger });
}
