import type { Command } from 'commander';
import { ApiClientError, fetchPolicySummaries, type ApiClientOptions } from '../api/client.ts';
import type { PolicySummary } from '../api/policy-summary.ts';
import { renderStatusFrame } from '../dashboard/terminal-frame.ts';
import { parseDuration } from '../manifests/duration.ts';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, type CliIo, type RegisterCommand } from './program.ts';

const DEFAULT_SERVER = 'http://127.0.0.1:4320';
const MIN_INTERVAL_MS = 200;

interface StatusFlags {
  server?: string;
  token?: string;
  policy?: string;
  watch?: boolean;
  interval: string;
  format: string;
}

/**
 * `ringmaster status`: rollout progress from a running server's API, one progress bar per
 * ring. Exit codes: 0 shown (or `--watch` stopped by Ctrl-C), 1 the server answered with an
 * error (unknown policy), 2 usage errors, unreachable server or a missing/wrong token.
 */
export const registerStatus: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('status')
    .description('show rollout progress: one progress bar per ring, gates and failing agents')
    .option('--server <url>', `Ringmaster server (default: $RINGMASTER_SERVER or ${DEFAULT_SERVER})`)
    .option('--token <token>', 'read token (default: $RINGMASTER_TOKEN; prefer the variable, flags show in ps)')
    .option('--policy <name>', 'show only this policy')
    .option('--watch', 'redraw every --interval until interrupted')
    .option('--interval <duration>', 'refresh interval for --watch, e.g. 2s, 500ms', '2s')
    .option('--format <format>', 'text or json (json: one document per refresh)', 'text')
    .action(async (flags: StatusFlags) => {
      const client = clientOptions(flags);
      const intervalMs = parseInterval(flags.interval);
      if (flags.format !== 'text' && flags.format !== 'json') throw new CliExit(EXIT_USAGE, `--format must be text or json, got "${flags.format}"`);
      if (!flags.watch) {
        io.stdout(render(await fetchOrExit(client, flags.policy), flags, false));
        return;
      }
      await watch(client, flags, intervalMs, io);
    });
};

function clientOptions(flags: StatusFlags): ApiClientOptions {
  const server = flags.server ?? (process.env.RINGMASTER_SERVER || DEFAULT_SERVER);
  try {
    const url = new URL(server);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new CliExit(EXIT_USAGE, `--server must be an http(s) URL such as ${DEFAULT_SERVER}, got "${server}"`);
  }
  const token = flags.token ?? (process.env.RINGMASTER_TOKEN || undefined);
  return { server, ...(token ? { token } : {}) };
}

function parseInterval(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_INTERVAL_MS) throw new CliExit(EXIT_USAGE, `--interval must be a duration of at least ${MIN_INTERVAL_MS}ms such as 2s, got "${text}"`);
  return ms;
}

async function fetchOrExit(client: ApiClientOptions, policy: string | undefined): Promise<PolicySummary[]> {
  try {
    return await fetchPolicySummaries(client, policy);
  } catch (err) {
    if (!(err instanceof ApiClientError)) throw err;
    const setup = err.code === 'E_API_UNREACHABLE' || err.code === 'E_API_UNAUTHORIZED';
    throw new CliExit(setup ? EXIT_USAGE : EXIT_FAILURE, `ringmaster status: ${err.message} [${err.code}]`);
  }
}

function render(policies: PolicySummary[], flags: StatusFlags, color: boolean): string {
  if (flags.format === 'json') return `${JSON.stringify({ policies })}\n`;
  return renderStatusFrame(policies, { width: terminalWidth(), now: Date.now(), color });
}

/**
 * Redraws until SIGINT/SIGTERM. On a TTY the previous frame is overwritten in place
 * (cursor up, clear to end); otherwise frames follow each other separated by a blank line,
 * so logs and pipes stay readable. A failed refresh is shown and retried, never fatal.
 */
async function watch(client: ApiClientOptions, flags: StatusFlags, intervalMs: number, io: CliIo): Promise<void> {
  const tty = process.stdout.isTTY === true && flags.format === 'text';
  let previousLines = 0;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = (): void => stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (tty) io.stdout('\x1b[?25l');
  try {
    for (let first = true; ; first = false) {
      const frame = await nextFrame(client, flags, tty);
      io.stdout(composeWatchOutput(frame, previousLines, tty, first));
      previousLines = countRows(frame, terminalWidth());
      let handle: NodeJS.Timeout | undefined;
      const timer = new Promise<'tick'>((resolve) => (handle = setTimeout(() => resolve('tick'), intervalMs)));
      const outcome = await Promise.race([timer, stopped.then(() => 'stop' as const)]);
      clearTimeout(handle);
      if (outcome === 'stop') return;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (tty) io.stdout('\x1b[?25h');
  }
}

async function nextFrame(client: ApiClientOptions, flags: StatusFlags, tty: boolean): Promise<string> {
  try {
    const body = render(await fetchPolicySummaries(client, flags.policy), flags, tty);
    if (flags.format === 'json') return body;
    return `ringmaster status · ${client.server} · ${new Date().toISOString().slice(11, 19)}Z · every ${flags.interval} (Ctrl-C to stop)\n\n${body}`;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (flags.format === 'json') return `${JSON.stringify({ error: { code: (err as { code?: string }).code ?? 'E_API_RESPONSE', message } })}\n`;
    return `ringmaster status · ${client.server} · ${new Date().toISOString().slice(11, 19)}Z\n\nrefresh failed, retrying: ${message}\n`;
  }
}

/** Columns of the terminal (0 in some pseudo-terminals), else `$COLUMNS`, else 100. */
function terminalWidth(): number {
  return process.stdout.columns || Number(process.env.COLUMNS) || 100;
}

/**
 * Terminal rows a frame occupies: lines longer than the terminal wrap, and the cursor has
 * to move up over every wrapped row, or redraws would leave stale rows behind.
 */
export function countRows(frame: string, columns: number): number {
  const lines = frame.split('\n');
  lines.pop(); // the frame ends with a newline
  // eslint-disable-next-line no-control-regex
  const visible = (line: string): number => [...line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')].length;
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(visible(line) / Math.max(1, columns))), 0);
}

/**
 * What to write for one watch frame: on a TTY, move the cursor up over the previous frame
 * and clear to the end of the screen before drawing; otherwise separate frames with a
 * blank line (JSON frames are already one per line).
 */
export function composeWatchOutput(frame: string, previousLines: number, tty: boolean, first: boolean): string {
  if (tty) return `${previousLines > 0 ? `\x1b[${previousLines}F` : ''}\x1b[0J${frame}`;
  return first || frame.startsWith('{') ? frame : `\n${frame}`;
}
