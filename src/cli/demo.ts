import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { runDemo } from '../demo/demo.ts';
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
      const examplesDir = new URL('../../examples/fleet-repo', import.meta.url).pathname;
      const result = await runDemo({
        agents, yes: flags.yes === true, interactive, tty: process.stdout.isTTY === true,
        width: process.stdout.columns ?? 100, write: io.stdout, examplesDir, ask, ...(flags.dir ? { root: flags.dir } : {}),
      });
      const done = result.policies.map((p) => `  ${p.name}: ${p.phase} on ${p.release}${p.stableRelease ? ` (stable ${p.stableRelease})` : ''}`).join('\n');
      io.stdout(`\n✔ Demo finished.\n${done}\n\nRingmaster's status commits in the fleet repository (newest first):\n`);
      io.stdout(`${result.statusCommits.slice(0, 12).map((c) => `  ${c}`).join('\n')}\n`);
      io.stdout(`\nExplore:  git --git-dir ${result.repo.bare} log --stat\n          cat ${result.repo.clone}/status/otelcol-custom.yaml   (after git -C ${result.repo.clone} pull)\nClean up: rm -rf ${result.root}\n`);
    });
}

async function ask(prompt: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    await rl.question(prompt);
  } finally {
    rl.close();
  }
}
