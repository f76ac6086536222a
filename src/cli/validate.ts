/**
 * `ringmaster validate [DIR]`: the first command of every pull request. Reads the manifest
 * tree, runs every check the controller runs, and prints each problem as
 * `file:line:col: error CODE message` (clickable in editors and CI logs).
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '../manifests/diagnostic.ts';
import { DEFAULT_MANIFEST_LIMITS } from '../manifests/limits.ts';
import { loadManifests, type ManifestSet } from '../manifests/load.ts';
import { readManifestTree } from '../sources/files/read-manifest-files.ts';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, type CliIo, type RegisterCommand } from './program.ts';

interface ValidateOptions {
  format: string;
  maxFileBytes: string;
}

/** The outcome of validating one tree, as printed by `--format json`. */
export interface ValidateReport {
  valid: boolean;
  files: number;
  releases: string[];
  policies: string[];
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

/** Registers `validate`. Exit codes: 0 valid (warnings allowed), 1 errors, 2 usage. */
export const registerValidate: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('validate')
    .description('check PackageRelease and RolloutPolicy manifests: YAML, schema and cross-object rules')
    .argument('[dir]', 'fleet repository directory', '.')
    .option('--format <format>', 'output format: text or json', 'text')
    .option('--max-file-bytes <bytes>', 'largest manifest file accepted', String(DEFAULT_MANIFEST_LIMITS.maxFileBytes))
    .addHelpText('after', '\nExit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error.\nExample: ringmaster validate examples/fleet-repo\n')
    .action(async (dir: string, options: ValidateOptions) => {
      const format = parseFormat(options.format);
      const maxFileBytes = parseBytes(options.maxFileBytes);
      await requireDirectory(dir);
      const report = await validateTree(dir, { maxFileBytes });
      io.stdout(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
      if (!report.valid) throw new CliExit(EXIT_FAILURE);
    });
};

/** Reads and validates the tree at `dir` (which must exist). */
export async function validateTree(dir: string, limits: { maxFileBytes: number }): Promise<ValidateReport> {
  const tree = await readManifestTree(dir, limits);
  const set: ManifestSet = loadManifests(tree.files, limits);
  const diagnostics = sortDiagnostics([...tree.diagnostics, ...set.diagnostics]);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return {
    valid: errors === 0,
    files: tree.files.length + new Set(tree.diagnostics.map((d) => d.file)).size,
    releases: set.releases.map((r) => r.metadata.name),
    policies: set.policies.map((p) => p.metadata.name),
    errors,
    warnings: diagnostics.length - errors,
    diagnostics,
  };
}

/** One line per diagnostic, then `2 errors, 1 warning in 7 files (…)`. */
export function renderText(report: ValidateReport): string {
  const lines = report.diagnostics.map(formatDiagnostic);
  const summary =
    `${plural(report.errors, 'error')}, ${plural(report.warnings, 'warning')} in ${plural(report.files, 'file')}` +
    ` (${plural(report.releases.length, 'valid PackageRelease')}, ${plural(report.policies.length, 'valid RolloutPolicy', 'valid RolloutPolicies')})`;
  return `${[...lines, summary].join('\n')}\n`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

function parseFormat(format: string): 'text' | 'json' {
  if (format === 'text' || format === 'json') return format;
  throw new CliExit(EXIT_USAGE, `ringmaster validate: --format must be "text" or "json", not "${format}"`);
}

function parseBytes(text: string): number {
  const bytes = Number(text);
  if (Number.isSafeInteger(bytes) && bytes > 0) return bytes;
  throw new CliExit(EXIT_USAGE, `ringmaster validate: --max-file-bytes must be a positive whole number, not "${text}"`);
}

async function requireDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new CliExit(EXIT_USAGE, `ringmaster validate: ${dir}: no such directory`);
  if (!info.isDirectory()) throw new CliExit(EXIT_USAGE, `ringmaster validate: ${dir}: not a directory (pass the fleet repository's root directory)`);
}
