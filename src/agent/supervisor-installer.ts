/**
 * The real installer: the collector (top-level package) and sidecar addons are managed
 * binaries upgraded with the safe sequence; plain addons are files written atomically into
 * the addons directory, followed by an optional hook.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { backUpBinary, repairInterruptedSwap, restoreBinary, swapInBinary } from './binary-swap.ts';
import { AgentError } from './errors.ts';
import type { Installer, InstallerHealth, InstallRequest } from './installer.ts';
import { createManagedBinary, type BinaryHealth, type ManagedBinary, type ManagedBinarySpec } from './managed-binary.ts';
import { runCommand } from './run-command.ts';
import type { StateStore } from './state-store.ts';

/** Where plain addons go (config `addons`). */
export interface AddonsSpec {
  dir: string;
  /** Run after an addon is installed or removed, with `installed|removed <name> <path>` appended. */
  hook?: readonly string[];
  hookTimeoutMs: number;
}

/** The binaries and directories the real installer manages. */
export interface SupervisorInstallerOptions {
  collector: ManagedBinarySpec;
  sidecars: readonly ManagedBinarySpec[];
  addons?: AddonsSpec;
  store: StateStore;
  logger: Logger;
}

/** Creates the installer that supervises real processes on this host. */
export function createSupervisorInstaller(options: SupervisorInstallerOptions): Installer {
  const { store, logger } = options;
  const collector = createManagedBinary(options.collector, store, logger);
  const sidecars = new Map<string, ManagedBinary>(options.sidecars.map((s) => [s.package, createManagedBinary(s, store, logger)]));
  const all = (): ManagedBinary[] => [collector, ...sidecars.values()];

  return {
    async start() {
      const repaired = await repairInterruptedSwap(store, logger);
      for (const binary of all()) await binary.start();
      return repaired && { name: repaired.package, version: repaired.version, hash: repaired.hash };
    },
    async stop() {
      await Promise.all(all().map((b) => b.stop()));
    },
    async install(request: InstallRequest) {
      const binary = request.name === collector.spec.package ? collector : sidecars.get(request.name);
      if (binary) return binary.upgrade(request.file, { version: request.version, hash: request.hash }, request.signal);
      if (request.type === 'TopLevel') {
        throw new AgentError('E_INSTALL', `top-level package "${request.name}" is not the collector package "${collector.spec.package}" of this agent (collector.package in its config)`);
      }
      return installAddon(options.addons, request, logger);
    },
    async remove(name: string) {
      if (sidecars.has(name)) {
        logger.warn({ package: name }, 'sidecar no longer offered; it keeps running (sidecar binaries are configured, not deleted)');
        return;
      }
      await removeAddon(options.addons, name, logger);
    },
    installedVersion: () => collector.version(),
    async health(): Promise<InstallerHealth> {
      const components: Record<string, BinaryHealth> = {};
      for (const binary of all()) components[binary.spec.package] = await binary.health();
      const main = components[collector.spec.package] ?? { healthy: false, status: 'StatusFatalError' };
      const sick = Object.entries(components).find(([, h]) => !h.healthy);
      const result: InstallerHealth = { healthy: sick === undefined, status: main.status, components };
      if (main.startedAt !== undefined) result.startedAt = main.startedAt;
      if (sick) result.lastError = `${sick[0] || 'collector'}: ${sick[1].lastError ?? sick[1].status}`;
      return result;
    },
  };
}

/** Addon names become file names: refuse anything that could escape the addons directory. */
function addonPath(addons: AddonsSpec | undefined, name: string): string {
  if (!addons) throw new AgentError('E_INSTALL', `addon "${name}" was offered but this agent has no addons directory (addons.dir in its config)`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._@+-]*$/.test(name) || name.includes('..')) {
    throw new AgentError('E_BAD_OFFER', `addon name "${name}" cannot be used as a file name (letters, digits, . _ @ + - only)`);
  }
  return join(addons.dir, name);
}

async function installAddon(addons: AddonsSpec | undefined, request: InstallRequest, logger: Logger): Promise<void> {
  const path = addonPath(addons, request.name);
  const spec = addons as AddonsSpec;
  await mkdir(spec.dir, { recursive: true });
  const backup = await backUpBinary(path);
  await swapInBinary(path, request.file);
  const reason = await runHook(spec, 'installed', request.name, path);
  if (reason !== undefined) {
    await restoreBinary(path, backup);
    throw new AgentError('E_INSTALL', `addon hook failed, the previous file was restored: ${reason}`);
  }
  if (backup !== null) await rm(backup, { force: true });
  logger.info({ package: request.name, version: request.version, path }, 'addon installed');
}

async function removeAddon(addons: AddonsSpec | undefined, name: string, logger: Logger): Promise<void> {
  const path = addonPath(addons, name);
  await rm(path, { force: true });
  const reason = await runHook(addons as AddonsSpec, 'removed', name, path);
  if (reason !== undefined) logger.warn({ package: name, reason }, 'addon removed but its hook failed');
  else logger.info({ package: name, path }, 'addon removed');
}

async function runHook(addons: AddonsSpec, action: string, name: string, path: string): Promise<string | undefined> {
  if (!addons.hook || addons.hook.length === 0) return undefined;
  const [command = '', ...args] = addons.hook;
  return runCommand({ command, args: [...args, action, name, path], timeoutMs: addons.hookTimeoutMs, label: 'addon hook' });
}
