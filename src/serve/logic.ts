import type { ControllerLogic } from '../controller/reconcile.ts';
import { loadManifests } from '../manifests/load.ts';
import { planRollout } from '../rollout/plan.ts';
import { statusEquals, summarizeTransition } from '../rollout/summary.ts';

/** The pure core as the controller loop calls it: the same functions `ringmaster plan` runs. */
export const controllerLogic: ControllerLogic = {
  load: (files) => loadManifests(files),
  plan: (input) => planRollout(input),
  summarize: (previous, next) => summarizeTransition(previous, next),
  equals: (a, b) => statusEquals(a, b),
};
