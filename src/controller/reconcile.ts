import type { Logger } from 'pino';
import type { ManifestFile, PackageRelease, PolicyStatus, RolloutPolicy, SourceLocation } from '../manifests/types.ts';
import type { PlanInput, PlanResult, RolloutEvent } from '../rollout/types.ts';
import type { Clock, FleetView, ManifestSnapshot, ManifestSource, OfferSink, StatusWriter } from './ports.ts';
import { clearStalled, markStalled, type RevisionError } from './stalled.ts';

/** What the controller needs from the manifest loader (src/manifests). */
export interface LoadedManifests {
  releases: PackageRelease[];
  policies: RolloutPolicy[];
  diagnostics: ReadonlyArray<RevisionError & { severity: 'error' | 'warning' }>;
  /** `"<Kind>/<name>"` → where the object was declared (Git mode). */
  locations?: ReadonlyMap<string, SourceLocation>;
}

/** The pure functions the loop calls, injected so the loop never holds rollout logic itself. */
export interface ControllerLogic {
  load(files: readonly ManifestFile[]): LoadedManifests;
  plan(input: PlanInput): PlanResult;
  summarize(previous: PolicyStatus | undefined, next: PolicyStatus): string;
  equals(a: PolicyStatus, b: PolicyStatus): boolean;
}

export interface ReconcileDeps {
  /**
   * After a start, plan without moving any phase for this long: agents are still
   * reconnecting, and a ring whose agents have not come back yet would look empty — and an
   * empty ring succeeds at once. Meanwhile offers follow the stored statuses, nothing new.
   */
  warmupMs: number;
  source: ManifestSource;
  statusWriter: StatusWriter;
  fleet: FleetView;
  offers: OfferSink;
  clock: Clock;
  logger: Logger;
  logic: ControllerLogic;
}

/** Memory of the loop between passes; everything else is re-read every pass. */
export interface ControllerState {
  /** The last revision that loaded without errors: what the fleet runs. */
  good?: { revision: string; manifests: LoadedManifests };
  /** The newest revision, when it failed to load. */
  invalid?: { revision: string; errors: RevisionError[] };
  /** Last written status per policy. */
  statuses: Record<string, PolicyStatus>;
  /** When this controller started (epoch ms): the warm-up counts from here. */
  startedAt?: number;
  lastPlan?: PlanResult;
  lastRevisionSeen?: string;
}

export type ReconcileOutcome =
  | { kind: 'no-manifests' }
  | { kind: 'planned'; written: string[]; events: RolloutEvent[]; plan: PlanResult };

/**
 * One level-triggered pass: re-read the manifests at the current revision, the fleet and
 * the previous statuses; plan; hand every agent's desired set to the OpAMP server (which
 * pushes only the changed ones); write each policy's status only when it changed.
 */
export async function reconcile(deps: ReconcileDeps, state: ControllerState): Promise<ReconcileOutcome> {
  const snapshot = deps.source.current();
  if (snapshot) observeRevision(deps, state, snapshot);
  if (!state.good) {
    await writeStalledWithoutGood(deps, state);
    return { kind: 'no-manifests' };
  }
  const now = deps.clock.now();
  const { revision, manifests } = state.good;
  const warming = isWarmingUp(deps, state, now);
  const plan = deps.logic.plan({
    policies: manifests.policies,
    releases: manifests.releases,
    agents: deps.fleet.agents(),
    previous: state.statuses,
    now,
    revision,
    // Follow mode on our own statuses: the rings open now stay open, nothing advances.
    ...(warming ? { replica: { follow: state.statuses } } : {}),
  });
  state.lastPlan = plan;
  const failures: unknown[] = [];
  try {
    deps.offers.setOffers(plan.offers);
  } catch (err) {
    // The previous offers stay in force (the OpAMP server replaces all or nothing); the
    // statuses are still written, and the pass is reported as failed below.
    failures.push(err);
  }
  const written = await writeStatuses(deps, state, plan, revision, now, failures);
  if (failures.length > 0) throw new ReconcileError(failures);
  return { kind: 'planned', written, events: plan.events, plan };
}

/** True while the controller is within its warm-up after a start. */
export function isWarmingUp(deps: Pick<ReconcileDeps, 'warmupMs'>, state: Pick<ControllerState, 'startedAt'>, now: number): boolean {
  return state.startedAt !== undefined && now - state.startedAt < deps.warmupMs;
}

/** One or more steps of a pass failed; the others ran. */
export class ReconcileError extends Error {
  readonly code = 'E_RECONCILE';
  readonly causes: unknown[];
  constructor(causes: unknown[]) {
    super(`reconcile: ${causes.length} step(s) failed: ${causes.map((c) => (c instanceof Error ? c.message : String(c))).join('; ')}`, { cause: causes[0] });
    this.name = 'ReconcileError';
    this.causes = causes;
  }
}

function observeRevision(deps: ReconcileDeps, state: ControllerState, snapshot: ManifestSnapshot): void {
  if (snapshot.revision === state.lastRevisionSeen) return;
  state.lastRevisionSeen = snapshot.revision;
  const manifests = deps.logic.load(snapshot.files);
  const errors = manifests.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) {
    state.good = { revision: snapshot.revision, manifests };
    delete state.invalid;
    deps.logger.info({ revision: snapshot.revision, policies: manifests.policies.length, releases: manifests.releases.length }, 'manifests loaded');
    return;
  }
  state.invalid = { revision: snapshot.revision, errors: errors.map(({ code, message, file, line, column }) => ({ code, message, file, line, column })) };
  deps.logger.error({ revision: snapshot.revision, errors: errors.length, first: errors[0] }, 'revision is invalid; the last valid revision keeps running');
}

/** Writes every changed status; a failing write does not keep the other policies from theirs. */
async function writeStatuses(deps: ReconcileDeps, state: ControllerState, plan: PlanResult, revision: string, now: number, failures: unknown[]): Promise<string[]> {
  const written: string[] = [];
  const nowIso = new Date(now).toISOString();
  for (const name of Object.keys(plan.statuses).sort()) {
    const planned = plan.statuses[name];
    if (!planned) continue;
    let next: PolicyStatus = { ...planned, observedRevision: revision, installed: installedColumn(planned) };
    next = state.invalid ? markStalled(next, state.invalid.revision, state.invalid.errors, nowIso) : clearStalled(next);
    const previous = state.statuses[name];
    if (previous && deps.logic.equals(previous, next)) continue;
    try {
      await deps.statusWriter.write(name, next, deps.logic.summarize(previous, next));
    } catch (err) {
      failures.push(err);
      continue;
    }
    state.statuses[name] = next;
    written.push(name);
  }
  return written;
}

/**
 * With no valid revision ever seen there is nothing to run; still tell the owners of the
 * policies we know (from earlier statuses) why nothing happens.
 */
async function writeStalledWithoutGood(deps: ReconcileDeps, state: ControllerState): Promise<void> {
  if (!state.invalid) return;
  const nowIso = new Date(deps.clock.now()).toISOString();
  for (const [name, previous] of Object.entries(state.statuses)) {
    const next = markStalled(previous, state.invalid.revision, state.invalid.errors, nowIso);
    if (deps.logic.equals(previous, next)) continue;
    await deps.statusWriter.write(name, next, `${name}: revision ${state.invalid.revision.slice(0, 7)} is invalid`);
    state.statuses[name] = next;
  }
}

/** `<installed>/<targeted>` over all rings: the `Installed` printer column of the CRD. */
export function installedColumn(status: PolicyStatus): string {
  let installed = 0;
  let targeted = 0;
  for (const ring of status.rings) {
    installed += ring.counts.installed;
    targeted += ring.counts.targeted;
  }
  return `${installed}/${targeted}`;
}
