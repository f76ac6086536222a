import { Gauge, type Registry } from 'prom-client';
import type { PolicyPhase } from '../manifests/types.ts';
import { summarizePolicy } from '../api/policy-summary.ts';
import { BAR_SEGMENTS } from '../api/ring-bar.ts';
import type { OperatorView } from '../api/view.ts';

const POLICY_PHASES: readonly PolicyPhase[] = ['Pending', 'Progressing', 'WaitingApproval', 'Baking', 'Paused', 'Succeeded', 'Failed', 'RolledBack', 'Aborted'];
const SEGMENT_LABEL: Record<(typeof BAR_SEGMENTS)[number], string> = {
  installed: 'installed', inFlight: 'in_flight', failed: 'failed', waiting: 'waiting', incompatible: 'incompatible', offline: 'offline',
};

/**
 * Registers the gauges computed from the operators' view at scrape time: agents known,
 * each policy's phase (one series per phase, 1 for the current one, so alerts can match
 * `phase="Failed"`), each ring's phase and its agents by bar segment. Series of policies
 * and rings that disappeared vanish at the next scrape (gauges are reset first).
 */
export function registerViewMetrics(registry: Registry, view: () => OperatorView | undefined): void {
  for (const register of [registerAgents, registerPolicyPhase, registerRingPhase, registerRingAgents]) register(registry, view);
}

type ViewSource = () => OperatorView | undefined;

function registerAgents(registry: Registry, view: ViewSource): void {
  new Gauge({
    name: 'ringmaster_agents', help: 'Agents known to the OpAMP server, by whether they are connected.',
    labelNames: ['online'], registers: [registry],
    collect() {
      this.reset();
      const agents = view()?.agents() ?? [];
      const online = agents.filter((a) => a.online).length;
      this.set({ online: 'true' }, online);
      this.set({ online: 'false' }, agents.length - online);
    },
  });
}

function registerPolicyPhase(registry: Registry, view: ViewSource): void {
  new Gauge({
    name: 'ringmaster_policy_phase', help: 'Phase of each rollout policy: 1 for the current phase, 0 for the others.',
    labelNames: ['policy', 'phase'], registers: [registry],
    collect() {
      this.reset();
      for (const p of view()?.policies() ?? []) {
        const phase = p.status?.phase ?? 'Pending';
        for (const candidate of POLICY_PHASES) this.set({ policy: p.name, phase: candidate }, candidate === phase ? 1 : 0);
      }
    },
  });
}

function registerRingPhase(registry: Registry, view: ViewSource): void {
  new Gauge({
    name: 'ringmaster_ring_phase', help: 'Current phase of each ring (value 1; the phase is the label).',
    labelNames: ['policy', 'ring', 'phase'], registers: [registry],
    collect() {
      this.reset();
      for (const p of view()?.policies() ?? []) {
        for (const ring of p.spec.rings) {
          const phase = p.status?.rings.find((r) => r.name === ring.name)?.phase ?? 'Pending';
          this.set({ policy: p.name, ring: ring.name, phase }, 1);
        }
      }
    },
  });
}

function registerRingAgents(registry: Registry, view: ViewSource): void {
  new Gauge({
    name: 'ringmaster_ring_agents', help: 'Agents of each ring by state: installed, in_flight, failed, waiting, incompatible, offline.',
    labelNames: ['policy', 'ring', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const p of view()?.policies() ?? []) {
        for (const ring of summarizePolicy(p, 0).rings) {
          for (const s of BAR_SEGMENTS) this.set({ policy: p.name, ring: ring.name, state: SEGMENT_LABEL[s] }, ring.bar[s]);
        }
      }
    },
  });
}
