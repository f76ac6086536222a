/**
 * Agents for the demo and the fleet simulator: real OpAMP, real downloads, real SHA-256
 * and signature checks, simulated installs. Each has its own state directory and its own
 * PRNG, so fifty of them share one process without sharing anything else.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createAgent, type Agent, type ServerConnectionOptions } from './agent.ts';
import type { DownloadLimits } from './download.ts';
import type { TrustSpec } from './package-fetch.ts';
import { createSimulatedInstaller, type SimulatedInstallerOptions } from './simulated-installer.ts';

/** One simulated agent of a demo or simulated fleet. */
export interface SimulatedAgentOptions {
  /** OpAMP endpoint; transport defaults to WebSocket. */
  endpoint: string;
  transport?: 'ws' | 'http';
  token?: string;
  /** Parent directory; the agent uses `<stateRoot>/<name>`. */
  stateRoot: string;
  /** Unique per agent: names its state directory and is its `host.name`. */
  name: string;
  serviceName?: string;
  labels?: Record<string, string>;
  /** `service.version` before the first install. */
  initialVersion?: string;
  platform?: { os: string; arch: string };
  trust?: TrustSpec;
  install?: SimulatedInstallerOptions;
  heartbeatMs?: number;
  limits?: Partial<DownloadLimits>;
  logger?: Logger;
}

/** Creates one simulated agent (not started). */
export function createSimulatedAgent(options: SimulatedAgentOptions): Agent {
  const server: ServerConnectionOptions = {
    endpoint: options.endpoint,
    transport: options.transport ?? 'ws',
    heartbeatMs: options.heartbeatMs ?? 30_000,
    reconnect: { initialMs: 500, maxMs: 30_000 },
    maxMessageBytes: 16 * 1024 * 1024,
    ...(options.token === undefined ? {} : { token: options.token }),
  };
  return createAgent({
    server,
    stateDir: join(options.stateRoot, options.name),
    serviceName: options.serviceName ?? 'otelcol-custom',
    labels: options.labels ?? {},
    hostName: options.name,
    installer: createSimulatedInstaller(options.install ?? {}),
    trust: options.trust ?? { publicKeyPems: [], requireSignature: false },
    limits: { maxBytes: 1024 ** 3, idleTimeoutMs: 30_000, attempts: 3, retryDelayMs: 500, ...options.limits },
    healthIntervalMs: 5000,
    ...(options.initialVersion === undefined ? {} : { initialVersion: options.initialVersion }),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
