import { accessSync, constants, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { parseDuration } from '../manifests/duration.ts';

/** Everything `ringmaster serve` needs, resolved from flags > environment > file > defaults. */
export interface ServeConfig {
  listen: { host: string; port: number };
  /** Base URL agents use to reach this server (for relative artifact URLs in offers). */
  publicUrl?: string;
  tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  dataDir: string;
  packagesDir: string;
  /** Git mode: the fleet repository. */
  git?: GitServeConfig;
  /** Kubernetes mode: custom resources (exclusive with `git`). */
  kube?: KubeServeConfig;
  webhook: { githubSecret?: string; gitlabToken?: string };
  agentTokens: string[];
  adminTokens: string[];
  downloadTokens: string[];
  apiTokens: string[];
  logLevel: string;
  /** After a start, plan without moving phases this long while agents reconnect. */
  warmupMs?: number;
  /** OpAMP server limits (defaults in docs/opamp.md). */
  opamp?: OpampLimits;
  /** Artifact store limits (defaults in docs/artifacts.md). */
  artifacts?: ArtifactLimits;
}

export interface OpampLimits {
  maxConnections?: number;
  maxAgents?: number;
  maxMessageBytes?: number;
  messagesPerSecond?: number;
  burst?: number;
  heartbeatIntervalSeconds?: number;
}

export interface ArtifactLimits {
  maxConcurrentDownloads?: number;
  maxUploadBytes?: number;
}

/** Setting name (file key), environment variable, and where the value goes. */
const LIMITS: ReadonlyArray<readonly [group: 'opamp' | 'artifacts', key: string, env: string]> = [
  ['opamp', 'maxConnections', 'RINGMASTER_OPAMP_MAX_CONNECTIONS'],
  ['opamp', 'maxAgents', 'RINGMASTER_OPAMP_MAX_AGENTS'],
  ['opamp', 'maxMessageBytes', 'RINGMASTER_OPAMP_MAX_MESSAGE_BYTES'],
  ['opamp', 'messagesPerSecond', 'RINGMASTER_OPAMP_MESSAGES_PER_SECOND'],
  ['opamp', 'burst', 'RINGMASTER_OPAMP_BURST'],
  ['opamp', 'heartbeatIntervalSeconds', 'RINGMASTER_OPAMP_HEARTBEAT_INTERVAL_SECONDS'],
  ['artifacts', 'maxConcurrentDownloads', 'RINGMASTER_ARTIFACTS_MAX_CONCURRENT_DOWNLOADS'],
  ['artifacts', 'maxUploadBytes', 'RINGMASTER_ARTIFACTS_MAX_UPLOAD_BYTES'],
];

/** Positive whole-number limits from the environment or the file (`opamp.maxConnections`, …). */
function readLimits(pick: Pick): { opamp: OpampLimits; artifacts: ArtifactLimits } {
  const out = { opamp: {} as Record<string, number>, artifacts: {} as Record<string, number> };
  for (const [group, key, envName] of LIMITS) {
    const text = pick(undefined, envName, `${group}.${key}`);
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(`${group}.${key} (${envName}) "${text}" must be a positive whole number`);
    out[group][key] = value;
  }
  return out;
}

export interface GitServeConfig {
  url: string;
  branch: string;
  path: string;
  intervalMs: number;
  statusBranch?: string;
  statusIntervalMs: number;
  author: { name: string; email: string };
  token?: string;
  sshKeyFile?: string;
  knownHostsFile?: string;
}

export interface KubeServeConfig {
  namespace?: string;
  allNamespaces: boolean;
  kubeconfig?: string;
  /** This replica's name (the pod name): the leader Lease holder identity. */
  identity: string;
  /** Where the Leases live (the pod's namespace). */
  leaseNamespace?: string;
}

/** A configuration problem: what, where, how to fix. Exit code 2 at the CLI. */
export class ConfigError extends Error {
  readonly code = 'E_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Flags as commander gives them (all optional strings). */
export interface ServeFlags {
  config?: string;
  kube?: boolean;
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  git?: string;
  branch?: string;
  path?: string;
  interval?: string;
  statusBranch?: string;
  statusInterval?: string;
  listen?: string;
  publicUrl?: string;
  dataDir?: string;
  packagesDir?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  logLevel?: string;
  warmup?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Resolves and validates the configuration; throws ConfigError naming the bad setting. */
export function resolveServeConfig(flags: ServeFlags, env: Env): ServeConfig {
  const file = flags.config ? readConfigFile(flags.config) : {};
  const pick = (flag: string | undefined, envName: string, filePath: string): string | undefined =>
    flag ?? env[envName] ?? stringAt(file, filePath, flags.config);
  const dataDir = resolve(pick(flags.dataDir, 'RINGMASTER_DATA_DIR', 'dataDir') ?? './data');
  const gitUrl = pick(flags.git, 'RINGMASTER_GIT_URL', 'git.url');
  const kubeMode = flags.kube === true || pick(undefined, 'RINGMASTER_KUBE', 'kube.enabled') === 'true';
  if (kubeMode && flags.git) throw new ConfigError('--kube and --git exclude each other: the manifests come from one place');
  if (!kubeMode && !gitUrl) throw new ConfigError('no fleet repository: pass --git <url|path> (or --kube for custom resources), set RINGMASTER_GIT_URL, or set git.url in the config file');
  const tlsCert = pick(flags.tlsCert, 'RINGMASTER_TLS_CERT', 'tls.certFile');
  const tlsKey = pick(flags.tlsKey, 'RINGMASTER_TLS_KEY', 'tls.keyFile');
  const clientCa = pick(flags.tlsClientCa, 'RINGMASTER_TLS_CLIENT_CA', 'tls.clientCaFile');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('TLS needs both a certificate and a key: pass --tls-cert and --tls-key together');
  for (const [file, what] of [[tlsCert, '--tls-cert'], [tlsKey, '--tls-key'], [clientCa, '--tls-client-ca']] as const) {
    if (file !== undefined) readable(file, what);
  }
  const logLevel = pick(flags.logLevel, 'RINGMASTER_LOG_LEVEL', 'logLevel') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log level "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  const publicUrl = pick(flags.publicUrl, 'RINGMASTER_PUBLIC_URL', 'publicUrl');
  if (publicUrl !== undefined && !isHttpUrl(publicUrl)) throw new ConfigError(`public URL "${publicUrl}" is not an absolute http(s) URL`);
  const githubSecret = secret(env, 'RINGMASTER_WEBHOOK_SECRET');
  const gitlabToken = secret(env, 'RINGMASTER_GITLAB_TOKEN');
  return {
    listen: parseListen(pick(flags.listen, 'RINGMASTER_LISTEN', 'listen') ?? '0.0.0.0:4320'),
    ...(publicUrl !== undefined ? { publicUrl } : {}),
    ...(tlsCert && tlsKey ? { tls: { certFile: tlsCert, keyFile: tlsKey, ...(clientCa ? { clientCaFile: clientCa } : {}) } } : {}),
    dataDir,
    packagesDir: resolve(pick(flags.packagesDir, 'RINGMASTER_PACKAGES_DIR', 'packagesDir') ?? `${dataDir}/packages`),
    ...(kubeMode ? { kube: kubeConfig(flags, env, pick) } : { git: gitConfig(gitUrl!, flags, env, pick) }),
    webhook: { ...(githubSecret ? { githubSecret } : {}), ...(gitlabToken ? { gitlabToken } : {}) },
    agentTokens: tokenList(env, 'RINGMASTER_AGENT_TOKENS'),
    adminTokens: tokenList(env, 'RINGMASTER_ADMIN_TOKENS'),
    downloadTokens: tokenList(env, 'RINGMASTER_DOWNLOAD_TOKENS'),
    apiTokens: tokenList(env, 'RINGMASTER_API_TOKENS'),
    logLevel,
    warmupMs: nonNegativeDuration(pick(flags.warmup, 'RINGMASTER_WARMUP', 'warmup') ?? '60s', 'warm-up (--warmup)'),
    ...readLimits(pick),
  };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`${path}:${e.linePos?.[0]?.line ?? 1}:${e.linePos?.[0]?.col ?? 1}: ${e.message}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 10 });
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${path}: the config file must be a YAML mapping`);
  return value as Record<string, unknown>;
}

function stringAt(obj: Record<string, unknown>, dotted: string, file: string | undefined): string | undefined {
  let node: unknown = obj;
  for (const key of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  throw new ConfigError(`${file ?? 'config'}: ${dotted} must be a string`);
}

/** A secret comes from `NAME` or from the file named by `NAME_FILE` (trailing newline dropped). */
function secret(env: Env, name: string): string | undefined {
  const fileName = env[`${name}_FILE`];
  if (fileName) {
    try {
      return readFileSync(fileName, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`cannot read ${name}_FILE (${fileName}): ${(err as Error).message}`);
    }
  }
  return env[name] || undefined;
}

/** Comma- or newline-separated tokens from `NAME` or `NAME_FILE`. */
function tokenList(env: Env, name: string): string[] {
  return (secret(env, name) ?? '').split(/[\n,]/).map((t) => t.trim()).filter((t) => t.length > 0);
}

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`listen address "${text}" is not host:port (for example 0.0.0.0:4320 or 127.0.0.1:0)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function duration(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new ConfigError(`${what} "${text}" is not a positive duration such as 10s, 5m or 1h30m`);
  return ms;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function readable(file: string, what: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    throw new ConfigError(`${what} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function nonNegativeDuration(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new ConfigError(`${what} "${text}" is not a duration such as 0s, 30s or 2m`);
  return ms;
}

function normalizePath(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

type Pick = (flag: string | undefined, envName: string, filePath: string) => string | undefined;

/** The Git mode's settings (the repository URL is known to be present). */
function gitConfig(gitUrl: string, flags: ServeFlags, env: Env, pick: Pick): GitServeConfig {
  const statusBranch = pick(flags.statusBranch, 'RINGMASTER_STATUS_BRANCH', 'git.statusBranch');
  const token = secret(env, 'RINGMASTER_GIT_TOKEN');
  const sshKeyFile = pick(undefined, 'RINGMASTER_GIT_SSH_KEY_FILE', 'git.sshKeyFile');
  const knownHostsFile = pick(undefined, 'RINGMASTER_GIT_KNOWN_HOSTS_FILE', 'git.knownHostsFile');
  return {
    url: gitUrl,
    branch: pick(flags.branch, 'RINGMASTER_GIT_BRANCH', 'git.branch') ?? 'main',
    path: normalizePath(pick(flags.path, 'RINGMASTER_GIT_PATH', 'git.path') ?? ''),
    intervalMs: duration(pick(flags.interval, 'RINGMASTER_GIT_INTERVAL', 'git.interval') ?? '30s', 'git interval (--interval)'),
    ...(statusBranch ? { statusBranch } : {}),
    statusIntervalMs: duration(pick(flags.statusInterval, 'RINGMASTER_STATUS_INTERVAL', 'git.statusInterval') ?? '10s', 'status interval (--status-interval)'),
    author: {
      name: pick(undefined, 'RINGMASTER_GIT_AUTHOR_NAME', 'git.author.name') ?? 'Ringmaster',
      email: pick(undefined, 'RINGMASTER_GIT_AUTHOR_EMAIL', 'git.author.email') ?? 'ringmaster@localhost',
    },
    ...(token ? { token } : {}),
    ...(sshKeyFile ? { sshKeyFile } : {}),
    ...(knownHostsFile ? { knownHostsFile } : {}),
  };
}

/** The Kubernetes mode's settings: scope, kubeconfig, and this replica's identity. */
function kubeConfig(flags: ServeFlags, env: Env, pick: Pick): KubeServeConfig {
  const namespace = pick(flags.namespace, 'RINGMASTER_KUBE_NAMESPACE', 'kube.namespace');
  const allNamespaces = flags.allNamespaces === true || pick(undefined, 'RINGMASTER_KUBE_ALL_NAMESPACES', 'kube.allNamespaces') === 'true';
  if (namespace && allNamespaces) throw new ConfigError('--namespace and --all-namespaces exclude each other: pick one');
  const kubeconfig = pick(flags.kubeconfig, 'KUBECONFIG', 'kube.kubeconfig');
  const identity = (env.POD_NAME ?? env.HOSTNAME ?? hostname()).toLowerCase();
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(identity)) {
    throw new ConfigError(`replica identity "${identity}" is not a DNS name: set POD_NAME (the Deployment passes the pod name)`);
  }
  return {
    allNamespaces, identity,
    ...(namespace ? { namespace } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(env.POD_NAMESPACE ? { leaseNamespace: env.POD_NAMESPACE } : {}),
  };
}
