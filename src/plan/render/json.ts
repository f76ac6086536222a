/**
 * The plan for scripts: the report itself, as indented JSON. Pure. The shape is the
 * `PlanReport` type in `src/plan/types.ts`; fields are only ever added to it.
 */
import type { PlanReport } from '../types.ts';

/** Renders the report as JSON ending in a newline. */
export function renderJson(report: PlanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
