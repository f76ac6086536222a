/**
 * `ringmaster agent --config agent.yaml`: the agent's configuration file, validated with
 * every error located (file:line:column). Relative paths are relative to the file. The
 * annotated reference is docs/agent.md.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AgentOptions, ServerConnectionOptions } from './agent.ts';
import { createConfigReader, type ConfigDiagnostic, type ConfigReader } from './config-reader.ts';
import type { DownloadLimits } from './download.ts';
import { AgentError, describeError } from './errors.ts';
import type { ManagedBinarySpec } from './managed-binary.ts';
import type { TrustSpec } from './package-fetch.ts';
import type { AddonsSpec } from './supervisor-installer.ts';

/** The resolved configuration: everything `createAgentFromConfig` needs, durations in ms. */
export interface AgentConfig {
  server: ServerConnectionOptions;
  stateDir: string;
  serviceName: string;
  labels: Record<string, string>;
  collector: ManagedBinarySpec;
  initialVersion?: string;
  addons?: AddonsSpec;
  sidecars: ManagedBinarySpec[];
  trust: TrustSpec;
  limits: DownloadLimits;
  healthCheckIntervalMs: number;
  offerRetryMs: number;
}

/** The configuration file is invalid; `diagnostics` lists every problem. */
export class AgentConfigError extends AgentError {
  readonly diagnostics: ConfigDiagnostic[];
  constructor(diagnostics: ConfigDiagnostic[]) {
    super('E_AGENT_CONFIG', sortByPlace(diagnostics).map((d) => `${d.where}: ${d.path ? `${d.path}: ` : ''}${d.message}`).join('\n'));
    this.diagnostics = diagnostics;
  }
}

function sortByPlace(diagnostics: ConfigDiagnostic[]): ConfigDiagnostic[] {
  const place = (d: ConfigDiagnostic): number[] => (/:(\d+):(\d+)$/.exec(d.where)?.slice(1) ?? ['0', '0']).map(Number);
  return [...diagnostics].sort((a, b) => {
    const [la = 0, ca = 0] = place(a);
    const [lb = 0, cb = 0] = place(b);
    return la - lb || ca - cb;
  });
}

const TOP = ['server', 'stateDir', 'serviceName', 'labels', 'collector', 'addons', 'sidecars', 'trust', 'limits', 'healthCheckInterval'];
const SERVER = ['endpoint', 'transport', 'token', 'tokenFile', 'caFile', 'heartbeat', 'reconnect', 'maxMessageBytes'];
const BINARY = ['package', 'binary', 'interpreter', 'args', 'config', 'version', 'validate', 'healthUrl', 'ports', 'healthWindow', 'healthInterval', 'probeTimeout', 'stopGrace', 'restart'];

/** Reads and validates an agent configuration file; throws `AgentConfigError` listing every problem. */
export async function loadAgentConfig(file: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AgentConfigError([{ where: file, path: '', message: `cannot read the config file: ${describeError(err)}` }]);
  }
  return parseAgentConfig(file, text);
}

/** Validates configuration text (as read from `file`, which anchors relative paths). */
export async function parseAgentConfig(file: string, text: string): Promise<AgentConfig> {
  const r = createConfigReader(file, text);
  const base = dirname(resolve(file));
  const path = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(base, p));
  if (r.diagnostics.length === 0) r.map([], TOP);
  const server = await readServer(r, path);
  const stateDir = path(r.string(['stateDir']));
  if (stateDir === undefined && r.diagnostics.length === 0) r.error(['stateDir'], 'is required: the directory where the agent keeps its uid, package state and downloads');
  const collector = readBinary(r, ['collector'], path, true);
  const sidecars = (r.list(['sidecars']) ?? []).map((_, i) => readBinary(r, ['sidecars', i], path, false));
  const trust = await readTrust(r, path);
  const config = {
    server,
    stateDir: stateDir ?? '',
    serviceName: r.string(['serviceName']) ?? 'otelcol',
    labels: readLabels(r),
    collector,
    sidecars,
    trust,
    limits: readLimits(r),
    healthCheckIntervalMs: r.duration(['healthCheckInterval']) ?? 10_000,
    offerRetryMs: r.duration(['limits', 'offerRetryInterval']) ?? 60_000,
    ...optional('initialVersion', r.string(['collector', 'version'])),
    ...optional('addons', readAddons(r, path)),
  };
  if (r.diagnostics.length > 0) throw new AgentConfigError(r.diagnostics);
  return config;
}

async function readServer(r: ConfigReader, path: (p: string | undefined) => string | undefined): Promise<ServerConnectionOptions> {
  if (!r.has(['server'])) r.error(['server'], 'is required: server.endpoint names the OpAMP server, e.g. ws://ringmaster:4320/v1/opamp');
  r.map(['server'], SERVER);
  r.map(['server', 'reconnect'], ['initial', 'max']);
  const endpoint = r.string(['server', 'endpoint']) ?? '';
  let scheme = '';
  try {
    scheme = new URL(endpoint).protocol;
  } catch {
    if (r.has(['server'])) r.error(['server', 'endpoint'], `"${endpoint}" is not a URL (e.g. ws://ringmaster:4320/v1/opamp)`);
  }
  if (scheme && !['ws:', 'wss:', 'http:', 'https:'].includes(scheme)) r.error(['server', 'endpoint'], `scheme ${scheme} is not one of ws, wss, http, https`);
  const transport = r.string(['server', 'transport']) ?? (scheme.startsWith('http') ? 'http' : 'ws');
  if (transport !== 'ws' && transport !== 'http') r.error(['server', 'transport'], `must be "ws" or "http", got "${transport}"`);
  if (r.has(['server', 'token']) && r.has(['server', 'tokenFile'])) r.error(['server', 'tokenFile'], 'set either token or tokenFile, not both');
  const token = r.string(['server', 'token']) ?? (await readText(r, ['server', 'tokenFile'], path))?.trim();
  const ca = await readText(r, ['server', 'caFile'], path);
  return {
    endpoint,
    transport: transport === 'http' ? 'http' : 'ws',
    heartbeatMs: r.duration(['server', 'heartbeat']) ?? 30_000,
    reconnect: { initialMs: r.duration(['server', 'reconnect', 'initial']) ?? 1000, maxMs: r.duration(['server', 'reconnect', 'max']) ?? 60_000 },
    maxMessageBytes: r.size(['server', 'maxMessageBytes']) ?? 64 * 1024 * 1024,
    ...optional('token', token),
    ...optional('ca', ca),
  };
}

function readBinary(r: ConfigReader, at: (string | number)[], path: (p: string | undefined) => string | undefined, isCollector: boolean): ManagedBinarySpec {
  if (isCollector && !r.has(at)) r.error(at, 'is required: collector.binary names the collector executable the agent runs and upgrades');
  r.map(at, isCollector ? BINARY : BINARY.filter((k) => k !== 'version'));
  r.map([...at, 'restart'], ['initial', 'max']);
  const binary = path(r.string([...at, 'binary']));
  if (r.has(at) && binary === undefined) r.error([...at, 'binary'], 'is required: the path of the executable');
  const pkg = r.string([...at, 'package']) ?? (isCollector ? '' : undefined);
  if (pkg === undefined && r.has(at)) r.error([...at, 'package'], 'is required for a sidecar: the OpAMP package name it is installed from');
  const configPath = path(r.string([...at, 'config']));
  const ports = (r.list([...at, 'ports']) ?? []).map((_, i) => r.integer([...at, 'ports', i], 1, 65535) ?? 0);
  const spec: ManagedBinarySpec = {
    package: pkg ?? '',
    binary: binary ?? '',
    args: r.strings([...at, 'args']) ?? (configPath ? ['--config', '{config}'] : []),
    health: { ports, host: '127.0.0.1', timeoutMs: r.duration([...at, 'probeTimeout']) ?? 2000, ...optional('healthUrl', r.string([...at, 'healthUrl'])) },
    healthWindowMs: r.duration([...at, 'healthWindow']) ?? 60_000,
    healthIntervalMs: r.duration([...at, 'healthInterval']) ?? 1000,
    stopGraceMs: r.duration([...at, 'stopGrace']) ?? 10_000,
    restart: { initialMs: r.duration([...at, 'restart', 'initial']) ?? 1000, maxMs: r.duration([...at, 'restart', 'max']) ?? 60_000 },
    ...optional('interpreter', path(r.string([...at, 'interpreter']))),
    ...optional('configPath', configPath),
    ...optional('validate', readValidate(r, [...at, 'validate'], configPath !== undefined)),
  };
  return spec;
}

function readValidate(r: ConfigReader, at: (string | number)[], hasConfig: boolean): ManagedBinarySpec['validate'] {
  const raw = r.value(at);
  const value = typeof raw === 'boolean' || raw === undefined || raw === null ? (raw ?? undefined) : undefined;
  if (value === false || (!hasConfig && !r.has(at))) return undefined;
  const map = value === true ? {} : r.map(at, ['command', 'timeout']);
  const command = map === undefined ? undefined : r.strings([...at, 'command']);
  if (command && !command.includes('{binary}')) r.error([...at, 'command'], 'must contain "{binary}": the dry run has to run the NEW binary');
  return { command: command ?? ['{binary}', 'validate', '--config', '{config}'], timeoutMs: (map && r.duration([...at, 'timeout'])) ?? 30_000 };
}

async function readTrust(r: ConfigReader, path: (p: string | undefined) => string | undefined): Promise<TrustSpec> {
  r.map(['trust'], ['publicKeyFiles', 'requireSignature']);
  const files = r.strings(['trust', 'publicKeyFiles']) ?? [];
  const pems: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const pem = await readText(r, ['trust', 'publicKeyFiles', i], path);
    if (pem !== undefined && !pem.includes('-----BEGIN PUBLIC KEY-----')) r.error(['trust', 'publicKeyFiles', i], 'is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----", as written by `ringmaster keys generate`)');
    if (pem !== undefined) pems.push(pem);
  }
  const require = r.boolean(['trust', 'requireSignature']) ?? files.length > 0;
  if (require && files.length === 0) r.error(['trust', 'requireSignature'], 'is true but trust.publicKeyFiles lists no key: nothing could ever verify');
  return { publicKeyPems: pems, requireSignature: require };
}

function readAddons(r: ConfigReader, path: (p: string | undefined) => string | undefined): AddonsSpec | undefined {
  if (!r.map(['addons'], ['dir', 'hook', 'hookTimeout'])) return undefined;
  const dir = path(r.string(['addons', 'dir']));
  if (dir === undefined) r.error(['addons', 'dir'], 'is required: the directory addons are written to');
  const hook = Array.isArray(r.value(['addons', 'hook'])) ? r.strings(['addons', 'hook']) : optionalList(r.string(['addons', 'hook']));
  // The hook program may be relative to the config file (./reload.sh); its arguments are passed as written.
  const [program, ...args] = hook ?? [];
  const resolvedHook = program === undefined ? undefined : [program.startsWith('.') ? (path(program) ?? program) : program, ...args];
  return { dir: dir ?? '', hookTimeoutMs: r.duration(['addons', 'hookTimeout']) ?? 30_000, ...optional('hook', resolvedHook) };
}

function readLimits(r: ConfigReader): DownloadLimits {
  r.map(['limits'], ['maxDownloadBytes', 'downloadIdleTimeout', 'downloadAttempts', 'downloadRetryDelay', 'offerRetryInterval']);
  return {
    maxBytes: r.size(['limits', 'maxDownloadBytes']) ?? 1024 ** 3,
    idleTimeoutMs: r.duration(['limits', 'downloadIdleTimeout']) ?? 60_000,
    attempts: r.integer(['limits', 'downloadAttempts'], 1, 100) ?? 5,
    retryDelayMs: r.duration(['limits', 'downloadRetryDelay']) ?? 2000,
  };
}

function readLabels(r: ConfigReader): Record<string, string> {
  const labels = r.record(['labels']) ?? {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) out[key] = String(value);
    else r.error(['labels', key], 'must be a string, number or boolean');
  }
  return out;
}

async function readText(r: ConfigReader, at: (string | number)[], path: (p: string | undefined) => string | undefined): Promise<string | undefined> {
  const file = path(r.string(at));
  if (file === undefined) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    r.error(at, `cannot read ${file}: ${describeError(err)}`);
    return undefined;
  }
}

function optionalList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : [value];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Builds `createAgent` options (minus installer and logger) from a configuration. */
export function agentOptionsFromConfig(config: AgentConfig): Omit<AgentOptions, 'installer' | 'logger'> {
  return {
    server: config.server,
    stateDir: config.stateDir,
    serviceName: config.serviceName,
    labels: config.labels,
    trust: config.trust,
    limits: config.limits,
    topLevelPackage: config.collector.package,
    healthIntervalMs: config.healthCheckIntervalMs,
    offerRetryMs: config.offerRetryMs,
    ...optional('initialVersion', config.initialVersion),
  };
}
