/**
 * Short-lived commands with a timeout whose failure is reported, not thrown: the dry run
 * before a swap (the NEW binary validates the CURRENT config) and addon hooks.
 */
import { spawn } from 'node:child_process';

/** A short command to run to completion. */
export interface CommandOptions {
  command: string;
  args: readonly string[];
  timeoutMs: number;
  /** Names the command in reasons, e.g. `validate command`. */
  label: string;
  /** Output kept for the error message (the tail), bytes. */
  maxOutputBytes?: number;
}

/** Runs a command; resolves to undefined when it exits 0, else to the reason (with its output's tail). */
export function runCommand(options: CommandOptions): Promise<string | undefined> {
  const keep = options.maxOutputBytes ?? 2048;
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(options.command, [...options.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-keep);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(`${options.label} could not run: ${err.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const tail = output.trim() ? `: ${output.trim()}` : '';
      if (timedOut) resolve(`${options.label} timed out after ${options.timeoutMs} ms${tail}`);
      else if (code !== 0) resolve(`${options.label} failed (${signal ? `signal ${signal}` : `exit code ${code}`})${tail}`);
      else resolve(undefined);
    });
  });
}

/**
 * Expands a command template: `{binary}` becomes the binary (preceded by the interpreter,
 * when one is configured) and `{config}` the config path.
 */
export function expandTemplate(template: readonly string[], values: { binary: readonly string[]; config: string }): string[] {
  const out: string[] = [];
  for (const part of template) {
    if (part === '{binary}') out.push(...values.binary);
    else out.push(part.replaceAll('{config}', values.config));
  }
  return out;
}
