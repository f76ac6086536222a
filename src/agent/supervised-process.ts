/**
 * One supervised child process (the collector, or a sidecar): started, its output
 * forwarded to the agent's log line by line, restarted with backoff when it exits on its
 * own, stopped with SIGTERM and — after a grace period — SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { createBackoff } from './backoff.ts';

/** What to run; read again at every (re)start, because the binary may have been swapped. */
export interface ProcessSpec {
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: Readonly<Record<string, string>>;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms. */
  at: number;
}

/** How to run and restart one child process. */
export interface SupervisedProcessOptions {
  name: string;
  spec: () => ProcessSpec;
  logger: Logger;
  /** Restart backoff after a crash, ms. The backoff resets once a process ran for `maxMs`. */
  restart: { initialMs: number; maxMs: number };
  /** Time between SIGTERM and SIGKILL, ms. */
  stopGraceMs: number;
  random?: () => number;
}

/** A child process kept running until `stop()`. */
export interface SupervisedProcess {
  /** Starts the process (no-op when already supervised) and keeps it running. */
  start(): void;
  /** Stops supervising and ends the process: SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<void>;
  readonly running: boolean;
  readonly pid: number | undefined;
  /** Epoch ms at which the current process started. */
  readonly startedAt: number | undefined;
  /** Exits since supervision began (crashes and stops). */
  readonly exits: number;
  readonly lastExit: ProcessExit | undefined;
  /** Text of the last start failure or abnormal exit, for health reports. */
  readonly lastError: string | undefined;
}

/** Creates a supervisor for one child process; nothing runs until `start()`. */
export function createSupervisedProcess(options: SupervisedProcessOptions): SupervisedProcess {
  const backoff = createBackoff({ ...options.restart, ...(options.random ? { random: options.random } : {}) });
  const log = options.logger.child({ process: options.name });
  let child: ChildProcess | undefined;
  let wanted = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let startedAt: number | undefined;
  let exits = 0;
  let lastExit: ProcessExit | undefined;
  let lastError: string | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = (): void => {
    restartTimer = undefined;
    if (!wanted) return;
    const spec = options.spec();
    const proc = spawn(spec.command, [...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      env: { ...process.env, ...spec.env },
    });
    child = proc;
    startedAt = Date.now();
    forward(proc, log);
    let resolveExit: () => void = () => {};
    exited = new Promise((r) => (resolveExit = r));
    proc.on('error', (err) => {
      lastError = `cannot start ${spec.command}: ${err.message}`;
      log.error({ err }, 'process failed to start');
    });
    proc.on('close', (code, signal) => {
      onExit(proc, { code, signal, at: Date.now() });
      resolveExit();
    });
  };

  const onExit = (proc: ChildProcess, exit: ProcessExit): void => {
    if (child !== proc) return;
    child = undefined;
    exits += 1;
    lastExit = exit;
    const ranMs = exit.at - (startedAt ?? exit.at);
    startedAt = undefined;
    if (!wanted) return;
    lastError ??= `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`;
    if (ranMs >= options.restart.maxMs) backoff.reset();
    const delay = backoff.next();
    log.warn({ code: exit.code, signal: exit.signal, restartInMs: delay }, 'process exited; restarting');
    restartTimer = setTimeout(launch, delay);
  };

  return {
    start() {
      if (wanted) return;
      wanted = true;
      lastError = undefined;
      backoff.reset();
      launch();
    },
    async stop() {
      wanted = false;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      const proc = child;
      if (!proc) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), options.stopGraceMs);
      await exited;
      clearTimeout(timer);
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.pid !== undefined;
    },
    get pid() {
      return child?.pid;
    },
    get startedAt() {
      return startedAt;
    },
    get exits() {
      return exits;
    },
    get lastExit() {
      return lastExit;
    },
    get lastError() {
      return lastError;
    },
  };
}

function forward(proc: ChildProcess, log: Logger): void {
  if (proc.stdout) createInterface({ input: proc.stdout }).on('line', (line) => log.info({ stream: 'stdout' }, line));
  if (proc.stderr) createInterface({ input: proc.stderr }).on('line', (line) => log.info({ stream: 'stderr' }, line));
}
