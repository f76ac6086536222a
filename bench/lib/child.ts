/**
 * A Node child process with an IPC channel, started with this same Node (`process.execPath`
 * runs the `.ts` entry through type stripping). Replies are matched by message type.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** A child speaking typed messages `In` (to it) and `Out` (from it, each with a `type`). */
export interface Child<In, Out extends { type: string }> {
  readonly process: ChildProcess;
  send(message: In): void;
  /** The next message of `type`; rejects after `timeoutMs` or when the child exits first. */
  next<T extends Out['type']>(type: T, timeoutMs?: number): Promise<Extract<Out, { type: T }>>;
  /** Every message of `type`, as it comes. */
  on<T extends Out['type']>(type: T, listener: (message: Extract<Out, { type: T }>) => void): void;
  /** Resolves when the child has exited (SIGKILL after `graceMs`). */
  exited(graceMs?: number): Promise<void>;
}

/** Forks `entry` (a `.ts` file) with extra Node flags, stdout/stderr inherited. */
export function forkChild<In, Out extends { type: string }>(entry: string, execArgv: readonly string[] = [], args: readonly string[] = []): Child<In, Out> {
  const proc = fork(entry, [...args], { execArgv: [...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  const listeners = new Map<string, Set<(message: Out) => void>>();
  proc.on('message', (message: Out) => {
    for (const listener of [...(listeners.get(message.type) ?? [])]) listener(message);
  });
  const subscribe = (type: string, listener: (message: Out) => void): (() => void) => {
    const set = listeners.get(type) ?? new Set();
    set.add(listener);
    listeners.set(type, set);
    return () => set.delete(listener);
  };
  let exit: Promise<void> | undefined;
  const exited = (): Promise<void> => (exit ??= proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve())));
  return {
    process: proc,
    send: (message) => void (proc.connected && proc.send(message as never)),
    next: (type, timeoutMs = 120_000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no "${type}" from ${entry} within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (code: number | null): void => done(new Error(`${entry} exited (code ${String(code)}) before sending "${type}"`));
      const off = subscribe(type, (message) => done(undefined, message));
      if (proc.exitCode !== null || proc.signalCode !== null) return onExit(proc.exitCode);
      proc.once('exit', onExit);
      function done(error: Error | undefined, message?: Out): void {
        clearTimeout(timer);
        off();
        proc.off('exit', onExit);
        if (error) reject(error);
        else resolve(message as Extract<Out, { type: typeof type }>);
      }
    }),
    on: (type, listener) => void subscribe(type, listener as (message: Out) => void),
    async exited(graceMs = 10_000) {
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited();
      clearTimeout(timer);
    },
  };
}
