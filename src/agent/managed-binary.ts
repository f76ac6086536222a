/**
 * A binary the agent runs and upgrades in place: the collector (the top-level package)
 * or a sidecar addon. Upgrades follow the safe sequence of issue 6: dry run with the new
 * binary, stop, back up, swap atomically, start, watch the health window, and fall back
 * to the backup on any failure.
 */
import { execFile } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { AgentError } from './errors.ts';
import { backUpBinary, restoreBinary, swapInBinary } from './binary-swap.ts';
import { expandTemplate, runCommand } from './run-command.ts';
import { probeHealth, watchHealthWindow, type HealthCheckSpec } from './health-probe.ts';
import type { StateStore } from './state-store.ts';
import { createSupervisedProcess, type SupervisedProcess } from './supervised-process.ts';

/** How to run, check and upgrade one binary. Durations in ms. */
export interface ManagedBinarySpec {
  /** The OpAMP package name this binary is installed from. */
  package: string;
  binary: string;
  /** Run the binary through this program (e.g. a script interpreter); absent = exec it directly. */
  interpreter?: string;
  /** Arguments; `{config}` expands to `configPath`. */
  args: readonly string[];
  configPath?: string;
  /** Dry-run template (`{binary}`, `{config}`); absent = no dry run. */
  validate?: { command: readonly string[]; timeoutMs: number };
  health: HealthCheckSpec;
  healthWindowMs: number;
  healthIntervalMs: number;
  stopGraceMs: number;
  restart: { initialMs: number; maxMs: number };
}

/** The health of a managed binary right now, for `ComponentHealth`. */
export interface BinaryHealth {
  healthy: boolean;
  /** Epoch ms the current process started. */
  startedAt?: number;
  status: string;
  lastError?: string;
}

/** One supervised, upgradable binary. */
export interface ManagedBinary {
  readonly spec: ManagedBinarySpec;
  readonly process: SupervisedProcess;
  /** Starts the binary if it is installed. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Installs `newFile` as the binary (see module doc); throws `AgentError` with the precise reason. */
  upgrade(newFile: string, offer: { version: string; hash: string }, signal: AbortSignal): Promise<void>;
  health(): Promise<BinaryHealth>;
  /** Runs `<binary> --version` and extracts the first semantic version it prints. */
  version(): Promise<string | undefined>;
}

/** Creates the runner for one binary; `store` keeps the swap journal. */
export function createManagedBinary(spec: ManagedBinarySpec, store: StateStore, logger: Logger): ManagedBinary {
  const log = logger.child({ package: spec.package });
  const config = spec.configPath ?? '';
  const invocation = (binary: string): string[] => (spec.interpreter ? [spec.interpreter, binary] : [binary]);
  const proc = createSupervisedProcess({
    name: spec.package || 'collector',
    logger: log,
    restart: spec.restart,
    stopGraceMs: spec.stopGraceMs,
    spec: () => {
      const [command = spec.binary, ...rest] = invocation(spec.binary);
      return { command, args: [...rest, ...spec.args.map((a) => a.replaceAll('{config}', config))] };
    },
  });

  const dryRun = async (newFile: string): Promise<void> => {
    if (!spec.validate) return;
    const [command = newFile, ...args] = expandTemplate(spec.validate.command, { binary: invocation(newFile), config });
    const reason = await runCommand({ command, args, timeoutMs: spec.validate.timeoutMs, label: 'validate command' });
    if (reason) throw new AgentError('E_VALIDATE', `dry run of the new binary failed, nothing was changed: ${reason}`);
  };

  const rollBack = async (backup: string | null, reason: string): Promise<never> => {
    log.warn({ reason }, 'new binary failed its health window; restoring the previous one');
    await proc.stop();
    await restoreBinary(spec.binary, backup);
    await store.clearJournal();
    if (backup !== null) proc.start();
    const restored = backup !== null ? '; the previous binary was restored and restarted' : '; there was no previous binary to restore';
    throw new AgentError('E_HEALTH', `${reason}${restored}`);
  };

  return {
    spec,
    process: proc,
    async start() {
      if (await isFile(spec.binary)) proc.start();
    },
    stop: () => proc.stop(),
    async upgrade(newFile, { version, hash }, signal) {
      await chmod(newFile, 0o755);
      await dryRun(newFile);
      signal.throwIfAborted();
      await proc.stop();
      const backup = await backUpBinary(spec.binary);
      await store.writeJournal({ package: spec.package, binary: spec.binary, backup, version, hash, startedAt: Date.now() });
      await swapInBinary(spec.binary, newFile);
      proc.start();
      const reason = await watchHealthWindow({ process: proc, check: spec.health, windowMs: spec.healthWindowMs, intervalMs: spec.healthIntervalMs, signal });
      if (reason !== undefined) return rollBack(backup, reason);
      await store.clearJournal();
      log.info({ version }, 'new binary is healthy');
    },
    async version() {
      if (!(await isFile(spec.binary))) return undefined;
      const [command = spec.binary, ...args] = invocation(spec.binary);
      const output = await captureOutput(command, [...args, '--version'], 5000);
      return /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output)?.[1];
    },
    async health() {
      if (!proc.running) {
        return { healthy: false, status: 'StatusFatalError', ...(proc.lastError ? { lastError: proc.lastError } : { lastError: 'not running' }) };
      }
      const reason = await probeHealth(spec.health);
      const startedAt = proc.startedAt;
      const base = startedAt === undefined ? {} : { startedAt };
      return reason === undefined ? { ...base, healthy: true, status: 'StatusOK' } : { ...base, healthy: false, status: 'StatusRecoverableError', lastError: reason };
    },
  };
}

/** Stdout of a short command ('' when it fails or times out). */
function captureOutput(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
