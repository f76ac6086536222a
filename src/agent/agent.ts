/**
 * The reference OpAMP agent: one instance uid (persisted), one OpAMP connection, one
 * package syncer and one installer. Several agents can live in one process (demo, fleet
 * simulator): all state is per instance, in its own state directory.
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ComponentHealth, PackageStatuses, ServerToAgent } from '../opamp/messages.ts';
import { AgentCapabilities } from '../opamp/messages.ts';
import { uuidFromString, uuidToString, uuidv7 } from '../opamp/uuid.ts';
import { describeAgent, healthChanged, hostPlatform, toComponentHealth } from './description.ts';
import type { DownloadLimits } from './download.ts';
import type { Installer, InstallerHealth, InterruptedInstall } from './installer.ts';
import { createOpampSession, type AgentReport } from './opamp-session.ts';
import type { TrustSpec } from './package-fetch.ts';
import { createPackageSync, type PackageSync } from './package-sync.ts';
import { createStateStore, type AgentLocalState, type InstalledPackage, type StateStore } from './state-store.ts';
import { createHttpTransport } from './http-transport.ts';
import type { OpampTransport } from './transport.ts';
import { createWsTransport } from './ws-transport.ts';

/** The capabilities this agent advertises (issue 6). */
export const AGENT_CAPABILITIES =
  AgentCapabilities.ReportsStatus |
  AgentCapabilities.AcceptsPackages |
  AgentCapabilities.ReportsPackageStatuses |
  AgentCapabilities.ReportsHealth |
  AgentCapabilities.ReportsHeartbeat;

/** How to reach the OpAMP server. Durations in ms. */
export interface ServerConnectionOptions {
  endpoint: string;
  transport: 'ws' | 'http';
  token?: string;
  /** Extra trusted CA certificates (PEM) for the OpAMP server and downloads. */
  ca?: string;
  heartbeatMs: number;
  reconnect: { initialMs: number; maxMs: number };
  maxMessageBytes: number;
}

/** Everything one agent needs; two agents must never share a `stateDir`. */
export interface AgentOptions {
  server: ServerConnectionOptions;
  /** This agent's own directory: uid, package state, swap journal, partial downloads. */
  stateDir: string;
  serviceName: string;
  /** Reported as non-identifying attributes (what ring selectors match). */
  labels?: Readonly<Record<string, string>>;
  installer: Installer;
  trust: TrustSpec;
  limits: DownloadLimits;
  /** The top-level package whose version is `service.version`. */
  topLevelPackage?: string;
  /**
   * `service.version` while the agent has installed no top-level package itself; when
   * absent, the installer is asked (`<binary> --version`).
   */
  initialVersion?: string;
  /** Defaults to this host's. */
  platform?: { os: string; arch: string };
  hostName?: string;
  /** How often health is re-evaluated, ms (default 5000). */
  healthIntervalMs?: number;
  /** An offer left incomplete by a transient failure (download) is retried after this, ms (default 60000). */
  offerRetryMs?: number;
  logger?: Logger;
  random?: () => number;
}

/** A snapshot of the agent for tests, the CLI and the simulator. */
export interface AgentSnapshot {
  instanceUid: string;
  connected: boolean;
  packages: Readonly<Record<string, InstalledPackage>>;
  statuses: PackageStatuses;
  health: ComponentHealth | undefined;
}

/** A running agent: start once, stop once. */
export interface Agent {
  /** Loads state, starts the installer (repairing an interrupted swap) and connects. */
  start(): Promise<void>;
  /** Sends `agent_disconnect`, aborts any install in flight and stops supervised processes. */
  stop(): Promise<void>;
  state(): AgentSnapshot;
  /** Resolves when no package offer is being applied. */
  idle(): Promise<void>;
}

/** Creates an agent; nothing happens before `start()`. */
export function createAgent(options: AgentOptions): Agent {
  const logger = options.logger ?? pino({ level: 'silent' });
  const store = createStateStore(options.stateDir);
  const platform = options.platform ?? hostPlatform();
  let state: AgentLocalState = { packages: {}, failures: {} };
  let uid: Uint8Array = new Uint8Array(16);
  let sync: PackageSync | undefined;
  let transport: OpampTransport | undefined;
  let health: InstallerHealth | undefined;
  let componentHealth: ComponentHealth | undefined;
  let healthTimer: NodeJS.Timeout | undefined;
  let detectedVersion: string | undefined;

  const serviceVersion = (): string | undefined => {
    const name = options.topLevelPackage ?? Object.keys(state.packages).find((n) => state.packages[n]?.type === 'TopLevel');
    return (name === undefined ? undefined : state.packages[name]?.version) ?? options.initialVersion ?? detectedVersion;
  };

  const refreshHealth = async (): Promise<void> => {
    const next = await options.installer.health();
    if (!healthChanged(health, next)) return;
    health = next;
    componentHealth = toComponentHealth(next, Date.now());
    transport?.kick();
  };

  const onMessage = (message: ServerToAgent): void => {
    if (message.packagesAvailable) sync?.apply(message.packagesAvailable);
  };

  const adoptUid = (next: Uint8Array): void => {
    uid = next;
    state.instanceUid = uuidToString(next);
    store.save(state).catch((err: unknown) => logger.error({ err }, 'cannot persist the new instance uid'));
  };

  const report = (): AgentReport => ({
    agentDescription: describeAgent({ serviceName: options.serviceName, ...optionalVersion(serviceVersion()), instanceUid: uuidToString(uid), platform, labels: options.labels ?? {}, ...(options.hostName ? { hostName: options.hostName } : {}) }),
    ...(componentHealth ? { health: componentHealth } : {}),
    ...(sync ? { packageStatuses: sync.statuses() } : {}),
  });

  const connect = (): OpampTransport => {
    const session = createOpampSession({
      capabilities: AGENT_CAPABILITIES,
      instanceUid: () => uid,
      onNewInstanceUid: adoptUid,
      onMessage,
      logger,
      report,
    });
    const transportOptions = { ...options.server, session, logger, ...(options.random ? { random: options.random } : {}) };
    return options.server.transport === 'http' ? createHttpTransport(transportOptions) : createWsTransport(transportOptions);
  };

  return {
    async start() {
      // Read the state first: an unreadable state file stops the start before any process runs.
      const loaded = await store.load();
      state = await initState(store, loaded, await options.installer.start());
      uid = uuidFromString(state.instanceUid ?? '');
      detectedVersion = options.initialVersion === undefined ? await options.installer.installedVersion?.() : undefined;
      sync = createPackageSync({
        store,
        state,
        installer: options.installer,
        logger,
        onChange: () => transport?.kick(),
        retryMs: options.offerRetryMs ?? 60_000,
        fetch: { downloadsDir: join(options.stateDir, 'downloads'), limits: options.limits, trust: options.trust, platform, ...(options.server.ca === undefined ? {} : { ca: options.server.ca }) },
      });
      await refreshHealth();
      transport = connect();
      transport.start();
      healthTimer = setInterval(() => void refreshHealth().catch((err: unknown) => logger.warn({ err }, 'health check failed')), options.healthIntervalMs ?? 5000);
    },
    async stop() {
      if (healthTimer) clearInterval(healthTimer);
      await sync?.stop();
      await transport?.stop();
      await options.installer.stop();
    },
    state() {
      return { instanceUid: uuidToString(uid), connected: transport?.connected ?? false, packages: state.packages, statuses: sync?.statuses() ?? {}, health: componentHealth };
    },
    idle: async () => sync?.idle(),
  };
}

/**
 * Completes the loaded state: creates the instance uid on the first start, and records an install
 * the crash repair undid as failed — never retried for that hash, so a new binary that
 * takes the host down with it does not do so again at every restart.
 */
async function initState(store: StateStore, state: AgentLocalState, interrupted: InterruptedInstall | undefined): Promise<AgentLocalState> {  state.instanceUid ??= uuidToString(uuidv7());
  if (interrupted) {
    const error = `E_HEALTH: the agent stopped while ${interrupted.version} was in its health window; the previous binary was restored at the next start`;
    state.failures[interrupted.name] = { version: interrupted.version, hash: interrupted.hash, error };
  }
  await store.save(state);
  return state;
}

function optionalVersion(version: string | undefined): { serviceVersion?: string } {
  return version === undefined ? {} : { serviceVersion: version };
}
