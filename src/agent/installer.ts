/**
 * The seam between package sync (OpAMP, downloads, hash and signature checks — always
 * real) and what "installing" means on this host. The supervisor installer swaps real
 * binaries; the simulated installer lets one process host many agents (demo, fleet
 * simulator) with everything real except the install itself.
 */
import type { PackageType } from '../manifests/types.ts';

/** One verified package to install. */
export interface InstallRequest {
  name: string;
  type: PackageType;
  version: string;
  /** The server's package hash (hex): recorded in the swap journal. */
  hash: string;
  /** The downloaded file, already checked against `content_hash` and the trusted keys. */
  file: string;
  signal: AbortSignal;
}

/** Health as reported in `ComponentHealth`. */
export interface InstallerHealth {
  healthy: boolean;
  /** Epoch ms. */
  startedAt?: number;
  status: string;
  lastError?: string;
  /** Per supervised component (collector, sidecars), keyed by package name. */
  components?: Record<string, { healthy: boolean; status: string; lastError?: string }>;
}

/** An install a crash interrupted, undone at start: it must be reported as failed. */
export interface InterruptedInstall {
  name: string;
  version: string;
  hash: string;
}

/** What installing means on this host (real supervisor, or simulated). */
export interface Installer {
  /** Repairs an interrupted swap, then starts whatever is installed; resolves to the install it undid, if any. */
  start(): Promise<InterruptedInstall | undefined>;
  /** Stops every supervised process. */
  stop(): Promise<void>;
  /** Installs one package; throws an `AgentError` whose message is the reported `error_message`. */
  install(request: InstallRequest): Promise<void>;
  /** Removes an addon that is no longer offered (never called for top-level packages). */
  remove(name: string): Promise<void>;
  health(): Promise<InstallerHealth>;
  /** The version of the installed top-level binary as it reports itself (`--version`), if it can tell. */
  installedVersion?(): Promise<string | undefined>;
}
