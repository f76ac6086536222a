/**
 * Golden tests of `ringmaster plan`: each fixture case is committed to a real Git repository
 * (base on `main`, head on `change`), planned by the real CLI, and its markdown and JSON
 * compared with `expected.md` / `expected.json` / `expected.txt` next to the fixture. `UPDATE_GOLDEN=1`
 * rewrites them (review the diff before committing). The facts each case is about are
 * asserted separately, so a careless regeneration cannot bless a wrong plan.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/plan/render/markdown.ts';
import { renderText } from '../../src/plan/render/text.ts';
import type { PlanReport } from '../../src/plan/types.ts';
import { createFixtureRepo, FIXTURES, type FixtureRepo } from './fixture-repo.ts';
import { ringmaster, type CliRun } from './run-cli.ts';

const NOW = '2026-11-21T10:00:00Z';
const CASES = ['release-bump', 'new-ring', 'policy-edit-mid-rollout', 'invalid-head', 'downgrade', 'missing-platform', 'empty-ring'] as const;
type Case = (typeof CASES)[number];

interface Planned {
  json: CliRun;
  report: PlanReport;
  /** The CLI's own markdown, for the cases that check it against the in-process renderer. */
  markdown?: CliRun;
}

// The CLI's markdown is also produced in a child process for these cases; for the others the
// renderer (pure) runs on the report the CLI printed, which keeps the suite fast under load.
const CLI_MARKDOWN: ReadonlySet<Case> = new Set(['release-bump', 'invalid-head']);

const planned = new Map<Case, Planned>();
const repos: FixtureRepo[] = [];

async function plan(name: Case): Promise<Planned> {
  const repo = await createFixtureRepo(name);
  repos.push(repo);
  const args = ['plan', '--repo', repo.dir, '--base', 'main', '--head', 'change', '--path', 'fleet', '--now', NOW];
  const [json, markdown] = await Promise.all([
    ringmaster([...args, '--format', 'json']),
    CLI_MARKDOWN.has(name) ? ringmaster([...args, '--format', 'markdown']) : Promise.resolve(undefined),
  ]);
  return { json, report: JSON.parse(json.stdout) as PlanReport, ...(markdown ? { markdown } : {}) };
}

async function golden(name: Case, file: string, actual: string): Promise<void> {
  const path = join(FIXTURES, name, file);
  if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(path)) await writeFile(path, actual);
  expect(actual).toBe(await readFile(path, 'utf8'));
}

beforeAll(async () => {
  // Two cases at a time: the machine is shared, but process start-up overlaps with Git I/O.
  for (let i = 0; i < CASES.length; i += 2) {
    const pair = CASES.slice(i, i + 2);
    const results = await Promise.all(pair.map(plan));
    pair.forEach((name, j) => planned.set(name, results[j] as Planned));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(repos.map((r) => r.cleanup()));
});

function get(name: Case): Planned {
  const p = planned.get(name);
  if (!p) throw new Error(`case ${name} was not planned`);
  return p;
}

describe('ringmaster plan golden files', () => {
  it.each(CASES)('%s renders the committed markdown and JSON', async (name) => {
    const p = get(name);
    await golden(name, 'expected.json', p.json.stdout);
    await golden(name, 'expected.md', renderMarkdown(p.report));
    if (p.markdown) expect(p.markdown.stdout).toBe(renderMarkdown(p.report));
    // The text renderer, on the very report the CLI printed as JSON.
    await golden(name, 'expected.txt', renderText(p.report));
  });
});

function warningCodes(report: PlanReport): string[] {
  return report.warnings.map((w) => w.code);
}

describe('what each case is about', () => {
  it('release bump: 1.4.0 → 1.5.0, canary holds exactly the canary hosts, no warnings', () => {
    const { report, json } = get('release-bump');
    expect(json.code).toBe(0);
    const policy = report.policies[0];
    expect(policy?.from?.version).toBe('1.4.0');
    expect(policy?.to?.version).toBe('1.5.0');
    expect(policy?.rings.map((r) => r.name)).toEqual(['canary', 'everyone']);
    expect(policy?.rings[0]?.exampleHosts).toEqual(['host-01', 'host-02', 'host-03', 'host-04']);
    expect(policy?.selected).toBe(40);
    expect(policy?.minDuration.text).toBe('1h30m');
    expect(policy?.pendingApprovals).toEqual(['everyone']);
    expect(report.changes.map((c) => `${c.kind}/${c.name}/${c.change}`)).toEqual([
      'PackageRelease/otelcol-custom-1.5.0/added',
      'RolloutPolicy/otelcol-custom/changed',
    ]);
    expect(report.changes[1]?.fields).toEqual([{ path: 'spec.release', before: 'otelcol-custom-1.4.0', after: 'otelcol-custom-1.5.0' }]);
    expect(warningCodes(report)).toEqual([]);
  });

  it('new ring: the diff shows one added ring and the table gains it in order', () => {
    const { report } = get('new-ring');
    const fields = report.changes.find((c) => c.kind === 'RolloutPolicy')?.fields ?? [];
    expect(fields.map((f) => f.path)).toEqual(['spec.rings[early]']);
    expect(report.policies[0]?.rings.map((r) => r.name)).toEqual(['canary', 'early', 'everyone']);
    expect(report.policies[0]?.minDuration.text).toBe('3h30m');
  });

  it('policy edit mid-rollout: warns that the rollout in flight restarts', () => {
    const { report } = get('policy-edit-mid-rollout');
    expect(warningCodes(report)).toContain('rollout-restarted');
    expect(report.warnings.find((w) => w.code === 'rollout-restarted')?.message).toContain('otelcol-custom-1.5.0');
  });

  it('invalid head: exit code 2, every diagnostic with file:line on stderr, nothing planned', () => {
    const { report, markdown, json } = get('invalid-head');
    expect(markdown?.code).toBe(2);
    expect(json.code).toBe(2);
    expect(report.policies).toEqual([]);
    const errors = report.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.file} ${d.code}`)).toEqual([
      'fleet/policies/otelcol-custom.yaml E_DURATION',
      'fleet/releases/otelcol-custom-1.4.0.yaml E_SHA256',
    ]);
    for (const d of errors) {
      expect(d.line).toBeGreaterThan(0);
      expect(json.stderr).toContain(`${d.file}:${d.line}:${d.column}: error ${d.code}`);
      expect(markdown?.stdout).toContain(`${d.file}:${d.line}:${d.column}: error ${d.code}`);
    }
  });

  it('downgrade: warns 1.5.0 → 1.4.0', () => {
    const { report } = get('downgrade');
    expect(warningCodes(report)).toContain('downgrade');
    expect(report.policies[0]?.to?.version).toBe('1.4.0');
  });

  it('missing platform: windows agents are incompatible, and the unsigned artifact is flagged', () => {
    const { report } = get('missing-platform');
    expect(warningCodes(report)).toEqual(expect.arrayContaining(['platform-without-artifact', 'release-unsigned']));
    const incompatible = report.policies[0]?.incompatible ?? [];
    expect(incompatible.filter((a) => a.reason === 'no-artifact').map((a) => a.host)).toEqual(['host-37', 'host-38']);
    expect(incompatible.find((a) => a.host === 'host-39')?.reason).toBe('no-accepts-packages');
  });

  it('empty ring: a ring matching nobody, a shadowed ring, an approval for a missing ring', () => {
    const { report } = get('empty-ring');
    const byCode = (code: string) => report.warnings.filter((w) => w.code === code).map((w) => w.ring);
    expect(byCode('ring-selects-no-agent')).toEqual(['mars']);
    expect(byCode('ring-shadowed')).toEqual(['canary-again']);
    expect(byCode('approval-unknown-ring')).toEqual(['everybody']);
  });
});
