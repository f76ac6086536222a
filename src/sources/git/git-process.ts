/**
 * How Ringmaster runs `git`: network operations through simple-git (clone/fetch/push with
 * credentials), local plumbing (`ls-tree`, `cat-file --batch`, `commit-tree`) through a small
 * spawn wrapper that can feed stdin and return raw bytes. Both get the same allowlisted
 * environment: only what git needs to run (PATH, HOME, locale, proxy, CA certificates, the
 * ssh agent), never Ringmaster's own secrets, no inherited `GIT_*` variables (a stray
 * `GIT_DIR` would point us at another repository) except the CA paths, no terminal prompts,
 * and credentials only where they are needed.
 */
import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGit } from 'simple-git';
import { RingmasterGitError } from './git-error.ts';

/** Credentials for the remote. Values are secrets: they are never logged. */
export interface GitAuth {
  /** HTTPS token, sent as `Authorization: Basic` (`<tokenUsername>:<token>`) via `http.extraHeader`. */
  token?: string;
  /** User name paired with the token; `x-access-token` works for GitHub and GitLab. */
  tokenUsername?: string;
  /** Private key for SSH remotes (`ssh -i`). */
  sshKeyFile?: string;
  /** `known_hosts` to verify the SSH host against (`StrictHostKeyChecking=yes` when set). */
  knownHostsFile?: string;
}

/**
 * The only inherited variables git sees: what git, ssh, curl and credential helpers need on
 * Linux and macOS to find programs, config, locale, temp space, an ssh agent, a proxy and
 * CA certificates. Everything else (Ringmaster's own tokens and webhook secret, cloud
 * credentials, whatever the container runtime injects) stays out of git, ssh and any
 * credential helper or hook that git runs. Compared case-insensitively (Windows
 * spells `Path`, proxies are set in either case).
 */
export const GIT_ENV_ALLOWLIST: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'XDG_CONFIG_HOME',
  'LANG', 'LANGUAGE', // plus every LC_* (see isAllowed)
  'TMPDIR', 'TMP', 'TEMP',
  'SSH_AUTH_SOCK',
  'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'GIT_SSL_CAPATH',
  // Windows: sockets and child processes fail without these.
  'SYSTEMROOT', 'COMSPEC', 'PATHEXT', 'USERPROFILE', 'HOMEDRIVE', 'HOMEPATH', 'APPDATA', 'LOCALAPPDATA',
];

/**
 * Names an operator adds to the allowlist, comma-separated (e.g. `AWS_PROFILE,AWS_REGION`
 * for a CodeCommit credential helper). Names starting with `RINGMASTER_` or `GIT_` and the
 * variables simple-git guards are refused: they would leak our secrets or run programs.
 */
export const GIT_PASS_ENV_VARIABLE = 'RINGMASTER_GIT_PASS_ENV';

/** Variables simple-git guards besides `GIT_*` (they can run programs). */
const GUARDED = new Set(['editor', 'pager', 'prefix', 'visual', 'ssh_askpass']);
const ALLOWED = new Set(GIT_ENV_ALLOWLIST.map((name) => name.toLowerCase()));

function extraAllowed(source: NodeJS.ProcessEnv): Set<string> {
  const names = (source[GIT_PASS_ENV_VARIABLE] ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || lower.startsWith('ringmaster_') || lower.startsWith('git_') || GUARDED.has(lower)) {
      throw new RingmasterGitError('E_GIT_OPTIONS', `${GIT_PASS_ENV_VARIABLE} lists ${JSON.stringify(name)}: only plain variable names not starting with RINGMASTER_ or GIT_ (and not EDITOR, PAGER, VISUAL, PREFIX, SSH_ASKPASS) may be passed to git`);
    }
  }
  return new Set(names.map((name) => name.toLowerCase()));
}

/** Quotes a value for the POSIX shell that git uses to run `GIT_SSH_COMMAND`. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * The environment for a git child: only the allowlisted variables of `source` (default
 * `process.env`; `GIT_ENV_ALLOWLIST`, every `LC_*`, and the names in
 * `RINGMASTER_GIT_PASS_ENV`), plus what `auth` needs, plus `extra`. The token travels in
 * `GIT_CONFIG_*` variables rather than `-c` arguments so that it is not visible in the
 * process list. Throws `E_GIT_OPTIONS` for a refused name in `RINGMASTER_GIT_PASS_ENV`.
 */
export function gitEnvironment(auth: GitAuth = {}, extra: Record<string, string> = {}, source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const passed = extraAllowed(source);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    const lower = key.toLowerCase();
    if (value === undefined || !(ALLOWED.has(lower) || lower.startsWith('lc_') || passed.has(lower))) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  if (auth.token !== undefined) {
    const basic = Buffer.from(`${auth.tokenUsername ?? 'x-access-token'}:${auth.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  if (auth.sshKeyFile !== undefined || auth.knownHostsFile !== undefined) {
    const parts = ['ssh', '-o', 'BatchMode=yes'];
    if (auth.sshKeyFile !== undefined) parts.push('-i', shellQuote(auth.sshKeyFile), '-o', 'IdentitiesOnly=yes');
    if (auth.knownHostsFile !== undefined) {
      parts.push('-o', `UserKnownHostsFile=${shellQuote(auth.knownHostsFile)}`, '-o', 'StrictHostKeyChecking=yes');
    }
    env.GIT_SSH_COMMAND = parts.join(' ');
  }
  return { ...env, ...extra };
}

/**
 * A simple-git instance for network operations in `dir`, with the scrubbed environment. A
 * command with no output for `timeoutMs` is killed, and so is one running when `signal` aborts.
 */
export function createGitClient(dir: string, auth: GitAuth = {}, timeoutMs = 120_000, signal?: AbortSignal): SimpleGit {
  const env = gitEnvironment(auth);
  const allowEnvironment = Object.keys(env).filter((key) => key.toLowerCase().startsWith('git_'));
  return simpleGit({
    baseDir: dir,
    allowEnvironment,
    unsafe: { allowUnsafeSshCommand: true, allowUnsafeConfigEnvCount: true },
    timeout: { block: timeoutMs },
    ...(signal ? { abort: signal } : {}),
  }).env(env);
}

/** Removes userinfo (`user:token@`) from a URL so it can be logged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}

/** Removes credentials from text that may echo them (git's stderr, URLs). */
export function redactSecrets(text: string, auth: GitAuth = {}): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s'"]*@/gi, '$1***@');
  out = out.replace(/(Authorization:\s*)\S+(\s+\S+)?/gi, '$1***');
  if (auth.token !== undefined && auth.token.length > 0) out = out.replaceAll(auth.token, '***');
  return out;
}

export interface RunGitOptions {
  input?: Buffer | string;
  /** Extra environment variables (identity, `GIT_INDEX_FILE`). */
  env?: Record<string, string>;
  /** Refuse output larger than this many bytes (default 256 MiB). */
  maxOutputBytes?: number;
}

/**
 * Runs a local git plumbing command in `repoDir` and resolves with its raw stdout. Rejects
 * with `E_GIT_COMMAND` (stderr attached) on a non-zero exit.
 */
export function runGit(repoDir: string, args: readonly string[], options: RunGitOptions = {}): Promise<Buffer> {
  const limit = options.maxOutputBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: repoDir, env: gitEnvironment({}, options.env), stdio: 'pipe' });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 8192) stderr += chunk.toString('utf8');
    });
    child.on('error', (err) => reject(new RingmasterGitError('E_GIT_COMMAND', `cannot run git: ${err.message}`, { cause: err })));
    child.on('close', (code) => {
      if (code === 0 && size <= limit) return resolve(Buffer.concat(chunks));
      const why = size > limit ? `output exceeded ${limit} bytes` : redactSecrets(stderr.trim()) || `exit code ${code}`;
      reject(new RingmasterGitError('E_GIT_COMMAND', `git ${args[0] ?? ''} failed in ${repoDir}: ${why}`));
    });
    child.stdin.on('error', () => undefined); // EPIPE when git exits early: the close handler reports it
    child.stdin.end(options.input ?? '');
  });
}
