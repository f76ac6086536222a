import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { runDemo } from '../demo/demo.ts';
import type { PolicyStatus } from '../manifests/types.ts';
import { CliExit, EXIT_USAGE, type CliIo } from './program.ts';

/** `ringmaster demo` (what `npm start` runs). */
export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run a complete rollout on this machine: a fleet repo, the server and simulated agents, ring by ring')
    .option('--agents <n>', 'number of simulated agents', '50')
    .option('-y, --yes', 'approve the gated ring without asking')
    .option('--dir <dir>', 'workspace folder (default: a new temporary folder, kept for you to explore)')
    .action(async (flags: { agents: string; yes?: boolean; dir?: string }) => {
      const agents = Number(flags.agents);
      if (!Number.isInteger(agents) || agents < 10 || agents > 2000) throw new CliExit(EXIT_USAGE, 'ringmaster demo: --agents must be a whole number from 10 to 2000');
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && process.env.CI !== 'true';
      const examplesDir = fileURLToPath(new URL('../../examples/fleet-repo', import.meta.url));
      const root = flags.dir ? await freshDirectory(flags.dir) : undefined;
      const result = await runDemo({
        agents, yes: flags.yes === true, interactive, tty: process.stdout.isTTY === true,
        width: process.stdout.columns ?? 100, write: io.stdout, examplesDir, ask, ...(root ? { root } : {}),
      });
      const done = result.policies.map((p) => `  ${p.name}: ${p.phase} on ${p.release}${p.stableRelease ? ` (stable ${p.stableRelease})` : ''}${failedNote(p.status)}`).join('\n');
      io.stdout(`\n✔ Demo finished.\n${done}\n\nRingmaster's status commits in the fleet repository (newest first):\n`);
      io.stdout(`${result.statusCommits.slice(0, 12).map((c) => `  ${c}`).join('\n')}\n`);
      io.stdout(`\nExplore:  git --git-dir ${result.repo.bare} log --stat\n          cat ${result.repo.clone}/status/otelcol-custom.yaml   (after git -C ${result.repo.clone} pull)\nClean up: rm -rf ${result.root}\n`);
    });
}

/** An absolute path to an empty (or new) folder; a used one would mix two demos' repositories. */
async function freshDirectory(dir: string): Promise<string> {
  const path = resolve(dir);
  const entries = await readdir(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new CliExit(EXIT_USAGE, `ringmaster demo: cannot use --dir ${path}: ${err.message}`);
  });
  if (entries.length > 0) throw new CliExit(EXIT_USAGE, `ringmaster demo: --dir ${path} is not empty; pick a new folder (or remove it: rm -rf ${path})`);
  await mkdir(path, { recursive: true });
  return path;
}

/** Agents whose install failed keep the stable release: say so next to "Succeeded". */
function failedNote(status: PolicyStatus | undefined): string {
  const failed = (status?.rings ?? []).reduce((n, r) => n + r.counts.failed + r.counts.timedOut, 0);
  return failed > 0 ? ` — ${failed} agent${failed === 1 ? '' : 's'} failed to install and kept the previous version (within maxFailures)` : '';
}

async function ask(prompt: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    await rl.question(prompt);
  } finally {
    rl.close();
  }
}
