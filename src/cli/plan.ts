/**
 * `ringmaster plan`: what merging head into base would do to the fleet, for a reviewer.
 * Reads both revisions from Git objects, the fleet from the committed inventory (or a live
 * server), runs the controller's planner, and prints the report. Exit codes as `flux diff`:
 * 0 no change, 1 changes (only with `--exit-code`), 2 errors (invalid head, unreadable input).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { buildPlan } from '../plan/build-plan.ts';
import { parseInventory, DEFAULT_MAX_AGENTS } from '../plan/inputs/inventory-shape.ts';
import { readServerInventory, DEFAULT_SERVER_TIMEOUT_MS } from '../plan/inputs/inventory-server.ts';
import { readCommittedStatus, readManifestSetAt, resolveRevision, type RevisionLayout } from '../plan/inputs/read-revision.ts';
import { renderJson } from '../plan/render/json.ts';
import { renderMarkdown } from '../plan/render/markdown.ts';
import { renderText } from '../plan/render/text.ts';
import type { PlanInputs } from '../plan/build-plan.ts';
import type { PlanReport } from '../plan/types.ts';
import { formatDiagnostic } from '../manifests/diagnostic.ts';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, type CliIo, type RegisterCommand } from './program.ts';

const RENDERERS = { markdown: renderMarkdown, text: renderText, json: renderJson } as const;
type Format = keyof typeof RENDERERS;

/** The environment variable holding the bearer token for `--server`. */
export const TOKEN_ENV = 'RINGMASTER_TOKEN';

interface PlanOptions {
  repo: string;
  base: string;
  head: string;
  path: string;
  statusDir: string;
  inventory?: string;
  server?: string;
  format: string;
  exitCode?: boolean;
  now?: string;
  maxAgents: string;
  serverTimeout: string;
  exampleHosts: string;
}

/** Registers `ringmaster plan`. */
export const registerPlan: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('plan')
    .description('show what merging a change does to the fleet: diff, rings, gates and warnings, from the same planner the controller runs')
    .option('--repo <dir>', 'Git repository holding the manifests', '.')
    .option('--base <rev>', 'revision the change is merged into', 'origin/main')
    .option('--head <rev>', 'revision with the change', 'HEAD')
    .option('--path <dir>', 'folder of the manifests, relative to the repository root', '.')
    .option('--status-dir <dir>', 'status folder under --path (policy statuses, inventory.json)', 'status')
    .option('--inventory <file>', 'inventory file on disk, relative to the current directory (default: <path>/<status-dir>/inventory.json committed at base)')
    .option('--server <url>', `live fleet from a running server's /api/v1/agents (token from $${TOKEN_ENV})`)
    .option('--format <format>', 'markdown | text | json', 'text')
    .option('--exit-code', 'exit 1 when the change alters any release or policy')
    .option('--now <time>', 'RFC 3339 time the plan is evaluated at (default: now)')
    .option('--max-agents <n>', 'most agents read from the inventory or server', String(DEFAULT_MAX_AGENTS))
    .option('--server-timeout <ms>', 'per request to --server, in milliseconds', String(DEFAULT_SERVER_TIMEOUT_MS))
    .option('--example-hosts <n>', 'example hosts shown per ring', '5')
    .action(async (options: PlanOptions) => {
      const report = await planFromOptions(options);
      io.stdout(RENDERERS[options.format as Format](report));
      if (report.diagnostics.some((d) => d.severity === 'error')) {
        throw new CliExit(EXIT_USAGE, report.diagnostics.map((d) => formatDiagnostic(d)).join('\n'));
      }
      if (options.exitCode && report.changed) throw new CliExit(EXIT_FAILURE);
    });
};

async function planFromOptions(options: PlanOptions): Promise<PlanReport> {
  checkOptions(options);
  const repo = resolve(options.repo);
  const layout: RevisionLayout = { path: options.path, statusDir: options.statusDir };
  return withInputErrors(async () => {
    const [base, head] = [await resolveRevision(repo, options.base), await resolveRevision(repo, options.head)];
    const [baseSet, headSet, committed] = await Promise.all([
      readManifestSetAt(repo, base, layout),
      readManifestSetAt(repo, head, layout),
      readCommittedStatus(repo, base, layout),
    ]);
    const inventory = await readFleet(options, committed.inventory);
    return buildPlan({
      base: baseSet,
      head: headSet,
      inventory,
      previous: committed.previous,
      now: options.now !== undefined ? Date.parse(options.now) : Date.now(),
      revisions: { base, head },
      exampleHosts: Number(options.exampleHosts),
    });
  });
}

async function readFleet(options: PlanOptions, committed: { path: string; text: string } | undefined): Promise<PlanInputs['inventory']> {
  const maxAgents = Number(options.maxAgents);
  if (options.server !== undefined) {
    const token = process.env[TOKEN_ENV];
    const fetched = await readServerInventory({
      url: options.server, maxAgents, timeoutMs: Number(options.serverTimeout), ...(token ? { token } : {}),
    });
    return { agents: fetched.agents, source: options.server };
  }
  if (options.inventory !== undefined) {
    const text = await readFile(options.inventory, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CliExit(EXIT_USAGE, `ringmaster plan: E_PLAN_INVENTORY cannot read --inventory ${options.inventory}: ${err.code ?? err.message}`);
    });
    const parsed = parseInventory(text, options.inventory, maxAgents);
    return { agents: parsed.agents, source: options.inventory, ...(parsed.generatedAt ? { generatedAt: parsed.generatedAt } : {}) };
  }
  if (!committed) return { agents: [], source: `no inventory committed at ${options.base}` };
  const source = `${committed.path}@${options.base}`;
  const parsed = parseInventory(committed.text, source, maxAgents);
  return { agents: parsed.agents, source, ...(parsed.generatedAt ? { generatedAt: parsed.generatedAt } : {}) };
}

function checkOptions(options: PlanOptions): void {
  const usage = (message: string): never => {
    throw new CliExit(EXIT_USAGE, `ringmaster plan: ${message}`);
  };
  if (!(options.format in RENDERERS)) usage(`--format must be one of ${Object.keys(RENDERERS).join(', ')}, got "${options.format}"`);
  if (options.inventory !== undefined && options.server !== undefined) usage('--inventory and --server are alternatives: give one');
  if (options.now !== undefined && Number.isNaN(Date.parse(options.now))) usage(`--now must be an RFC 3339 time such as 2026-11-21T10:00:00Z, got "${options.now}"`);
  for (const [flag, value, min] of [['--max-agents', options.maxAgents, 1], ['--server-timeout', options.serverTimeout, 1], ['--example-hosts', options.exampleHosts, 0]] as const) {
    if (!/^\d+$/.test(value) || Number(value) < min) usage(`${flag} must be a whole number >= ${min}, got "${value}"`);
  }
}

// Input errors carry a stable code; show it with the message and end with exit code 2.
async function withInputErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CliExit) throw err;
    const code = (err as { code?: unknown }).code;
    const prefix = typeof code === 'string' && code.startsWith('E_') ? `${code} ` : '';
    throw new CliExit(EXIT_USAGE, `ringmaster plan: ${prefix}${(err as Error).message}`);
  }
}
