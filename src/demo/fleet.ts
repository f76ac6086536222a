import type { Logger } from 'pino';
import type { Agent } from '../agent/agent.ts';
import { createSimulatedAgent } from '../agent/simulated-agent.ts';

export interface DemoFleetOptions {
  endpoint: string;
  stateRoot: string;
  size: number;
  publicKeyPem: string;
  /** Agents (by index) whose install of these versions fails, as a broken binary would. */
  failing: ReadonlyMap<number, readonly string[]>;
  canaries: number;
  logger: Logger;
}

/**
 * The demo's fleet: real OpAMP over WebSocket, real downloads with SHA-256 and signature
 * checks, simulated installs. The first `canaries` agents carry `canary=true`; a few run
 * on arm64 so both artifacts are used.
 */
export async function startDemoFleet(o: DemoFleetOptions): Promise<Agent[]> {
  const agents: Agent[] = [];
  for (let i = 0; i < o.size; i++) {
    const name = `otel-${String(i + 1).padStart(3, '0')}`;
    const agent = createSimulatedAgent({
      endpoint: o.endpoint,
      stateRoot: o.stateRoot,
      name,
      serviceName: 'otelcol-custom',
      initialVersion: '1.3.2', // what the hosts ran before Ringmaster managed them
      labels: { env: 'prod', region: i % 2 === 0 ? 'eu-west' : 'us-east', ...(i < o.canaries ? { canary: 'true' } : {}) },
      platform: { os: 'linux', arch: i % 7 === 3 ? 'arm64' : 'amd64' },
      trust: { publicKeyPems: [o.publicKeyPem], requireSignature: true },
      install: { delayMs: 200 + ((i * 37) % 400), failVersions: o.failing.get(i) ?? [], seed: i + 1 },
      heartbeatMs: 30_000,
      logger: o.logger.child({ agent: name }),
    });
    agents.push(agent);
  }
  await Promise.all(agents.map((a) => a.start()));
  return agents;
}
