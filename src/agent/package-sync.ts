/**
 * Applies `PackagesAvailable` offers one at a time (a newer offer waits for the current
 * one and replaces any offer still waiting) and keeps the `PackageStatuses` the agent
 * reports: `Downloading` (with progress) → `Installing` → `Installed` | `InstallFailed`.
 */
import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PackageAvailable, PackagesAvailable, PackageStatus, PackageStatuses } from '../opamp/messages.ts';
import { PackageStatusEnum, PackageType } from '../opamp/messages.ts';
import { AgentError, describeError } from './errors.ts';
import type { Installer } from './installer.ts';
import { fetchVerifiedPackage, type FetchContext } from './package-fetch.ts';
import type { AgentLocalState, StateStore } from './state-store.ts';
import { planPackageSync, toHex, type InstallableOffer, type SyncStep } from './sync-plan.ts';

/** The syncer's collaborators; it owns nothing it is given except the state fields it updates. */
export interface PackageSyncOptions {
  store: StateStore;
  /** The agent's state; this module updates `packages`, `failures` and `allPackagesHash`. */
  state: AgentLocalState;
  installer: Installer;
  fetch: Omit<FetchContext, 'signal' | 'onProgress'>;
  logger: Logger;
  /** Package statuses changed: report them. */
  onChange: () => void;
  /** After a transient failure (download), the offer is applied again this much later, ms. */
  retryMs: number;
}

/** The package side of one agent. */
export interface PackageSync {
  statuses(): PackageStatuses;
  /** Queues an offer; returns at once. */
  apply(offer: PackagesAvailable): void;
  /** Resolves when no offer is being applied or waiting. */
  idle(): Promise<void>;
  /** Aborts the offer in progress and waits for it to wind down. */
  stop(): Promise<void>;
}

/** Creates the package syncer; initial statuses come from the persisted state. */
export function createPackageSync(options: PackageSyncOptions): PackageSync {
  const { state, logger } = options;
  const statuses = initialStatuses(state);
  const abort = new AbortController();
  let pending: PackagesAvailable | undefined;
  let running: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;

  const set = (name: string, status: PackageStatus): void => {
    statuses.packages = { ...statuses.packages, [name]: status };
    options.onChange();
  };

  const ctx: StepContext = { options, set, signal: abort.signal, statuses };

  const drain = async (): Promise<void> => {
    while (pending && !abort.signal.aborted) {
      const offer = pending;
      pending = undefined;
      let complete = false;
      try {
        complete = await applyOffer(ctx, offer);
      } catch (err) {
        logger.error({ err }, 'applying the package offer failed');
      }
      // The server re-sends an offer only when it changes: retry transient failures here.
      if (!complete && !pending && !abort.signal.aborted) retry = setTimeout(() => apply(offer), options.retryMs);
    }
    running = undefined;
  };

  const apply = (offer: PackagesAvailable): void => {
    if (retry) clearTimeout(retry);
    retry = undefined;
    pending = offer;
    running ??= drain();
  };

  return {
    statuses: () => statuses,
    apply,
    async idle() {
      while (running) await running;
    },
    async stop() {
      if (retry) clearTimeout(retry);
      abort.abort();
      pending = undefined;
      if (running) await running;
    },
  };
}

interface StepContext {
  options: PackageSyncOptions;
  set: (name: string, status: PackageStatus) => void;
  signal: AbortSignal;
  statuses: PackageStatuses;
}

/** Applies one offer; resolves to false when a transient failure left it incomplete. */
async function applyOffer(ctx: StepContext, offer: PackagesAvailable): Promise<boolean> {
  const { state, store } = ctx.options;
  const aggregate = toHex(offer.allPackagesHash);
  ctx.statuses.serverProvidedAllPackagesHash = offer.allPackagesHash ?? new Uint8Array();
  if (aggregate !== '' && aggregate === state.allPackagesHash) {
    // Spec: an unchanged aggregate hash means nothing to do.
    ctx.options.onChange();
    return true;
  }
  const steps = planPackageSync(offer, state);
  for (const step of steps) markPlanned(ctx, step);
  let complete = true;
  for (const step of steps) {
    if (ctx.signal.aborted) return true;
    complete = (await runStep(ctx, step)) && complete;
  }
  // A transient download failure leaves the aggregate unrecorded, so a retry re-plans.
  if (complete) {
    state.allPackagesHash = aggregate;
    // Partial downloads of superseded offers are of no use any more.
    await rm(ctx.options.fetch.downloadsDir, { recursive: true, force: true });
  }
  await store.save(state);
  return complete;
}

function markPlanned(ctx: StepContext, step: SyncStep): void {
  if (step.kind === 'install') ctx.set(step.name, statusFor(ctx, step.name, step.offered, PackageStatusEnum.InstallPending));
}

async function runStep(ctx: StepContext, step: SyncStep): Promise<boolean> {
  switch (step.kind) {
    case 'keep':
      ctx.set(step.name, statusFor(ctx, step.name, step.offered, PackageStatusEnum.Installed));
      return true;
    case 'fail':
      ctx.set(step.name, { ...statusFor(ctx, step.name, step.offered, PackageStatusEnum.InstallFailed), errorMessage: step.error });
      return true;
    case 'retain':
      return true;
    case 'remove':
      return removePackage(ctx, step.name);
    case 'install':
      return installPackage(ctx, step.name, step.offered);
  }
}

async function removePackage(ctx: StepContext, name: string): Promise<boolean> {
  const { state, installer, logger } = ctx.options;
  try {
    await installer.remove(name);
  } catch (err) {
    logger.error({ err, package: name }, 'removing an addon that is no longer offered failed');
    return true;
  }
  delete state.packages[name];
  delete state.failures[name];
  const rest = { ...ctx.statuses.packages };
  delete rest[name];
  ctx.statuses.packages = rest;
  ctx.options.onChange();
  return true;
}

async function installPackage(ctx: StepContext, name: string, offered: InstallableOffer): Promise<boolean> {
  const { state, store, installer, fetch, logger } = ctx.options;
  const downloading = (percent: number, bytesPerSecond: number): void =>
    ctx.set(name, { ...statusFor(ctx, name, offered, PackageStatusEnum.Downloading), downloadDetails: { downloadPercent: percent, downloadBytesPerSecond: bytesPerSecond } });
  let file: string | undefined;
  try {
    downloading(0, 0);
    file = await fetchVerifiedPackage({ ...fetch, signal: ctx.signal, onProgress: (p) => downloading(p.total ? (100 * p.bytes) / p.total : 0, p.bytesPerSecond) }, name, offered);
    ctx.set(name, statusFor(ctx, name, offered, PackageStatusEnum.Installing));
    const type = offered.type === PackageType.Addon ? 'Addon' : 'TopLevel';
    await installer.install({ name, type, version: offered.version, hash: toHex(offered.hash), file, signal: ctx.signal });
    state.packages[name] = { type, version: offered.version, hash: toHex(offered.hash), sha256: toHex(offered.file.contentHash) };
    delete state.failures[name];
    await store.save(state);
    ctx.set(name, statusFor(ctx, name, offered, PackageStatusEnum.Installed));
    logger.info({ package: name, version: offered.version }, 'package installed');
    return true;
  } catch (err) {
    const error = err instanceof AgentError ? `${err.code}: ${err.message}` : `E_INSTALL: ${describeError(err)}`;
    logger.warn({ package: name, version: offered.version, error }, 'package install failed');
    const transient = ctx.signal.aborted || (err instanceof AgentError && (err.code === 'E_DOWNLOAD' || err.code === 'E_ABORTED'));
    if (!transient) state.failures[name] = { version: offered.version, hash: toHex(offered.hash), error };
    await store.save(state);
    ctx.set(name, { ...statusFor(ctx, name, offered, PackageStatusEnum.InstallFailed), errorMessage: error });
    return !transient;
  } finally {
    if (file) await rm(file, { force: true });
  }
}

/** A status naming what the agent has (from state) and what it was offered. */
function statusFor(ctx: StepContext, name: string, offered: PackageAvailable, status: number): PackageStatus {
  const has = ctx.options.state.packages[name];
  const out: PackageStatus = { name, status, serverOfferedVersion: offered.version ?? '', serverOfferedHash: offered.hash ?? new Uint8Array() };
  if (has) {
    out.agentHasVersion = has.version;
    out.agentHasHash = Buffer.from(has.hash, 'hex');
  }
  return out;
}

function initialStatuses(state: AgentLocalState): PackageStatuses {
  const packages: Record<string, PackageStatus> = {};
  for (const [name, has] of Object.entries(state.packages)) {
    packages[name] = { name, status: PackageStatusEnum.Installed, agentHasVersion: has.version, agentHasHash: Buffer.from(has.hash, 'hex') };
  }
  for (const [name, failed] of Object.entries(state.failures)) {
    packages[name] = { ...packages[name], name, status: PackageStatusEnum.InstallFailed, serverOfferedVersion: failed.version, serverOfferedHash: Buffer.from(failed.hash, 'hex'), errorMessage: failed.error };
  }
  const out: PackageStatuses = { packages };
  if (state.allPackagesHash) out.serverProvidedAllPackagesHash = Buffer.from(state.allPackagesHash, 'hex');
  return out;
}
