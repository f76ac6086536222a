/**
 * Health of a supervised binary: the ports it must bind are listening, and the optional
 * health URL (for example the collector's `health_check` extension) answers 2xx.
 */
import http from 'node:http';
import https from 'node:https';
import { connect } from 'node:net';
import type { SupervisedProcess } from './supervised-process.ts';

/** What "healthy" means for one binary. */
export interface HealthCheckSpec {
  /** TCP ports that must accept connections on `host`. */
  ports: readonly number[];
  host: string;
  /** Answers 2xx when healthy. */
  healthUrl?: string;
  /** Per probe, ms. */
  timeoutMs: number;
}

/** Probes once; resolves to undefined when healthy, else to the reason it is not. */
export async function probeHealth(spec: HealthCheckSpec): Promise<string | undefined> {
  for (const port of spec.ports) {
    if (!(await isListening(spec.host, port, spec.timeoutMs))) return `port ${port} is not listening on ${spec.host}`;
  }
  if (spec.healthUrl === undefined) return undefined;
  return probeUrl(spec.healthUrl, spec.timeoutMs);
}

function isListening(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function probeUrl(url: string, timeoutMs: number): Promise<string | undefined> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    const req = client.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 300 ? undefined : `health URL ${url} answered HTTP ${code}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(`health URL ${url} failed: ${err.message}`));
  });
}

/** The probation of a freshly swapped-in binary. */
export interface HealthWindowOptions {
  process: SupervisedProcess;
  check: HealthCheckSpec;
  /** How long the new binary must prove itself, ms. */
  windowMs: number;
  /** How often the process is looked at during the window, ms. */
  intervalMs: number;
  signal?: AbortSignal;
}

/**
 * Watches a freshly started binary for the health window: it must stay up the whole time,
 * and at the end its ports must listen and its health URL answer healthy. Resolves to
 * undefined on success, else to the precise reason.
 */
export async function watchHealthWindow(options: HealthWindowOptions): Promise<string | undefined> {
  const { process: proc, windowMs } = options;
  const exitsBefore = proc.exits;
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    if (options.signal?.aborted) return 'aborted: the agent is shutting down';
    if (proc.exits !== exitsBefore || !proc.running) return describeExit(proc, windowMs);
    await new Promise((r) => setTimeout(r, Math.min(options.intervalMs, Math.max(deadline - Date.now(), 1))));
  }
  if (proc.exits !== exitsBefore || !proc.running) return describeExit(proc, windowMs);
  const reason = await probeHealth(options.check);
  return reason === undefined ? undefined : `${reason} at the end of the ${windowMs} ms health window`;
}

function describeExit(proc: SupervisedProcess, windowMs: number): string {
  const exit = proc.lastExit;
  if (!exit) return `process did not start${proc.lastError ? `: ${proc.lastError}` : ''}`;
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
  return `process exited with ${how} within the ${windowMs} ms health window`;
}
