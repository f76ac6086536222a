import { execFile } from 'node:child_process';

/** Runs `bin/ringmaster.js` as a real child process and collects its exit code and output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const bin = new URL('../../bin/ringmaster.js', import.meta.url).pathname;

export function ringmaster(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
