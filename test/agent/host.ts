/**
 * One host under test: a fake collector (v1.4.0, a real child process with real ports)
 * and a reference agent configured by a real YAML file — the same file `ringmaster agent
 * --config` reads.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { Agent } from '../../src/agent/agent.ts';
import { loadAgentConfig } from '../../src/agent/config.ts';
import { createAgentFromConfig } from '../../src/agent/from-config.ts';
import { buildFakeCollector } from '../fixtures/fake-collector/build.ts';
import { COLLECTOR, freePort, waitFor, writeFileIn, type World } from './world.ts';

export interface HostOptions {
  transport?: 'ws' | 'http';
  healthWindow?: string;
  /** Extra YAML lines under `trust:`. */
  trust?: string;
  /** Extra YAML lines under `server:` (token, caFile, …), each indented by two spaces. */
  server?: string;
  /** Leave `collector.version` out, so the agent asks the binary. */
  noVersion?: boolean;
  /** Dry-run timeout (default 10s). */
  validateTimeout?: string;
  /** Collector crash-restart backoff start (default 200ms). */
  restartInitial?: string;
  /** Adds a sidecar `log-shipper` (a fake collector 0.1.0 on its own ports). */
  sidecar?: boolean;
}

export interface Host {
  dir: string;
  configFile: string;
  binary: string;
  addonsDir: string;
  hookLog: string;
  initialBytes: Buffer;
  /** GET the collector's health endpoint: its version and pid, or undefined when down. */
  running(): Promise<{ version: string; pid: number; status: number } | undefined>;
  sidecarBinary: string;
  sidecarRunning(): Promise<{ version: string; pid: number; status: number } | undefined>;
  /** An in-process agent for this host's config (not started). */
  makeAgent(): Promise<Agent>;
  /** Starts an in-process agent for this host's config; resolves once the server sees it online. */
  startAgent(): Promise<{ agent: Agent; uid: string }>;
}

let hosts = 0;

/** Lays out a host directory in the world's temp dir. */
export async function createHost(world: World, options: HostOptions = {}): Promise<Host> {
  const dir = join(world.dir, `host-${(hosts += 1)}`);
  const [port, healthPort] = [await freePort(), await freePort()];
  const binary = join(dir, 'bin', 'otelcol-custom');
  const initialBytes = buildFakeCollector({ version: '1.4.0' });
  await writeFileIn(binary, initialBytes, 0o755);
  await writeFileIn(join(dir, 'collector.json'), JSON.stringify({ port, healthPort }));
  await writeFileIn(join(dir, 'keys', 'release.pub'), world.keys.publicKeyPem);
  const hookLog = join(dir, 'hook.log');
  // The hook logs its arguments; it fails for an addon whose content says FAIL_HOOK.
  const hook = [
    "import { appendFileSync, readFileSync } from 'node:fs';",
    'const [action, name, path] = process.argv.slice(2);',
    "if (action === 'installed' && readFileSync(path, 'utf8').includes('FAIL_HOOK')) { console.error('reload failed: bad addon ' + name); process.exit(1); }",
    `appendFileSync(${JSON.stringify(hookLog)}, [action, name, path].join(' ') + '\\n');`,
  ];
  await writeFileIn(join(dir, 'hook.mjs'), `${hook.join('\n')}\n`);
  const transport = options.transport ?? 'ws';
  const [sidePort, sideHealthPort] = [await freePort(), await freePort()];
  const sidecarBinary = join(dir, 'bin', 'log-shipper');
  if (options.sidecar) {
    await writeFileIn(sidecarBinary, buildFakeCollector({ version: '0.1.0' }), 0o755);
    await writeFileIn(join(dir, 'sidecar.json'), JSON.stringify({ port: sidePort, healthPort: sideHealthPort }));
  }
  const sidecars = `sidecars:
  - package: log-shipper
    binary: ./bin/log-shipper
    interpreter: ${JSON.stringify(process.execPath)}
    config: ./sidecar.json
    healthUrl: http://127.0.0.1:${sideHealthPort}/
    ports: [${sidePort}]
    healthWindow: 1500ms
    healthInterval: 100ms
    stopGrace: 3s
    restart: {initial: 200ms, max: 2s}
`;
  const yaml = `# written by test/agent/host.ts
server:
  endpoint: ${transport === 'ws' ? world.wsUrl : world.httpUrl}
  transport: ${transport}
  heartbeat: ${transport === 'ws' ? '5s' : '300ms'}
  reconnect: {initial: 100ms, max: 1s}
${options.server ?? ''}
stateDir: ./state
serviceName: ${COLLECTOR}
labels: {env: test, canary: "true"}
healthCheckInterval: 300ms
collector:
  package: ${COLLECTOR}
  binary: ./bin/otelcol-custom
  interpreter: ${JSON.stringify(process.execPath)}
  config: ./collector.json
${options.noVersion ? '' : '  version: 1.4.0\n'}  validate: {timeout: ${options.validateTimeout ?? '10s'}}
  healthUrl: http://127.0.0.1:${healthPort}/
  ports: [${port}]
  healthWindow: ${options.healthWindow ?? '1500ms'}
  healthInterval: 100ms
  stopGrace: 3s
  restart: {initial: ${options.restartInitial ?? '200ms'}, max: 5s}
${options.sidecar ? sidecars : ''}addons:
  dir: ./addons
  hook: [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(dir, 'hook.mjs'))}]
trust:
  publicKeyFiles: [./keys/release.pub]
${options.trust ?? ''}
limits:
  maxDownloadBytes: 10MiB
  downloadIdleTimeout: 10s
  downloadAttempts: 3
  downloadRetryDelay: 100ms
  offerRetryInterval: 500ms
`;
  const configFile = join(dir, 'agent.yaml');
  await writeFile(configFile, yaml);
  const makeAgent = async (): Promise<Agent> => createAgentFromConfig(await loadAgentConfig(configFile), pino({ level: process.env['RINGMASTER_TEST_LOG'] ?? 'silent' }));
  return {
    dir,
    configFile,
    binary,
    addonsDir: join(dir, 'addons'),
    hookLog,
    initialBytes,
    running: () => probe(healthPort),
    sidecarBinary,
    sidecarRunning: () => probe(sideHealthPort),
    makeAgent,
    async startAgent() {
      const agent = await makeAgent();
      await agent.start();
      const uid = agent.state().instanceUid;
      await waitFor(() => world.agent(uid)?.online, `agent ${uid} online`);
      return { agent, uid };
    },
  };
}

async function probe(healthPort: number): Promise<{ version: string; pid: number; status: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${healthPort}/`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { version: string; pid: number };
    return { version: body.version, pid: body.pid, status: res.status };
  } catch {
    return undefined;
  }
}

/** The file's bytes, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  return readFile(path).catch(() => undefined);
}
