/**
 * An installer that only pretends to install: after a configurable delay it succeeds or
 * fails (by version, or at random with a seeded PRNG). Everything before it — OpAMP,
 * downloads, SHA-256, signatures — stays real, so fifty of these in one process behave on
 * the wire exactly like fifty real agents.
 */
import { AgentError } from './errors.ts';
import { seededRandom } from './backoff.ts';
import type { Installer, InstallerHealth, InstallRequest } from './installer.ts';

/** How simulated installs behave. */
export interface SimulatedInstallerOptions {
  /** Time an install takes, ms. */
  delayMs?: number;
  /** Versions whose install fails (as if the new binary failed its health window). */
  failVersions?: readonly string[];
  /** Probability in [0, 1] that any install fails. */
  failureProbability?: number;
  /** Seed for `failureProbability`; each agent should get its own. */
  seed?: number;
  /** Whether the simulated collector is healthy after a failed install (default true: rolled back). */
  healthyAfterFailure?: boolean;
}

/** Creates a simulated installer; its state lives in the returned object only. */
export function createSimulatedInstaller(options: SimulatedInstallerOptions = {}): Installer & { readonly installed: ReadonlyMap<string, string> } {
  const random = seededRandom(options.seed ?? 1);
  const installed = new Map<string, string>();
  let healthy = true;
  let lastError: string | undefined;
  const startedAt = Date.now();
  return {
    installed,
    async start() {
      return undefined;
    },
    async stop() {},
    async install(request: InstallRequest) {
      await delay(options.delayMs ?? 0, request.signal);
      const byVersion = options.failVersions?.includes(request.version) ?? false;
      const byChance = random() < (options.failureProbability ?? 0);
      if (byVersion || byChance) {
        healthy = options.healthyAfterFailure ?? true;
        lastError = `simulated failure installing ${request.name} ${request.version}`;
        throw new AgentError('E_HEALTH', `${lastError}; the previous version was restored`);
      }
      installed.set(request.name, request.version);
      healthy = true;
      lastError = undefined;
    },
    async remove(name: string) {
      installed.delete(name);
    },
    async health(): Promise<InstallerHealth> {
      return { healthy, startedAt, status: healthy ? 'StatusOK' : 'StatusRecoverableError', ...(lastError ? { lastError } : {}) };
    },
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new AgentError('E_ABORTED', 'install aborted: the agent is shutting down'));
    }, { once: true });
  });
}
