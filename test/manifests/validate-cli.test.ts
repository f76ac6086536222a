/** `ringmaster validate` run as a real child process on real directory trees. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = new URL('../../bin/ringmaster.js', import.meta.url).pathname;
const example = new URL('../../examples/fleet-repo/', import.meta.url).pathname;
const invalid = new URL('../fixtures/manifests/invalid/', import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ringmaster(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let broken: string;

const GATEWAY_POLICY = `apiVersion: ringmaster.dev/v1alpha1
kind: RolloutPolicy
metadata:
  name: gateway
spec:
  release: otelcol-custom-1.5.0
  selector:
    matchLabels:
      service.name: gateway
  rings:
    - name: all
      bake: 30x
`;

beforeAll(async () => {
  broken = await mkdtemp(join(tmpdir(), 'ringmaster-validate-'));
  for (const dir of ['releases', 'policies']) await cp(join(example, dir), join(broken, dir), { recursive: true });
  await writeFile(join(broken, 'policies/gateway.yaml'), GATEWAY_POLICY);
  const unsigned = await readFile(join(invalid, 'warn-unsigned-release.yaml'), 'utf8');
  await writeFile(join(broken, 'releases/unsigned.yaml'), unsigned.replace('name: otelcol-custom-1.5.0', 'name: otelcol-custom-1.5.1'));
  await cp(join(invalid, 'yaml-tab-indentation.yaml'), join(broken, 'releases/broken.yaml'));
});

afterAll(async () => {
  await rm(broken, { recursive: true, force: true });
});

describe.concurrent('ringmaster validate', () => {
  it('exits 0 on the example fleet repository and says what it checked', async () => {
    const r = await ringmaster(['validate', example]);
    expect(r.stderr).toBe('');
    // The example also holds CI configuration (other YAML): the file count is not fixed here.
    expect(r.stdout).toMatch(/^0 errors, 0 warnings in \d+ files \(4 valid PackageReleases, 2 valid RolloutPolicies\)\n$/);
    expect(r.code).toBe(0);
  });

  it('defaults to the current directory', async () => {
    const r = await ringmaster(['validate'], example);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(4 valid PackageReleases, 2 valid RolloutPolicies)');
  });

  it('exits 1 on an invalid tree, one clickable line per problem, then a summary', async () => {
    const r = await ringmaster(['validate', broken]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^policies\/gateway\.yaml:12:13: error E_DURATION spec\.rings\[0\]\.bake: "30x" is not a duration/);
    expect(lines.slice(0, -1).map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'policies/gateway.yaml:12:13: error E_DURATION',
      'releases/broken.yaml:7:1: error E_YAML_SYNTAX',
      'releases/unsigned.yaml:10:7: warning W_UNSIGNED_RELEASE',
    ]);
    expect(lines.at(-1)).toBe('2 errors, 1 warning in 9 files (5 valid PackageReleases, 2 valid RolloutPolicies)');
  });

  it('prints machine-readable JSON with --format json', async () => {
    const r = await ringmaster(['validate', broken, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { valid: boolean; errors: number; warnings: number; diagnostics: { code: string; file: string; line: number; column: number }[] };
    expect(report).toMatchObject({ valid: false, errors: 2, warnings: 1 });
    expect(report.diagnostics[0]).toMatchObject({ code: 'E_DURATION', file: 'policies/gateway.yaml', line: 12, column: 13, severity: 'error', pointer: '/spec/rings/0/bake' });
  });

  it.each([
    [['validate', '/nonexistent/fleet'], 'no such directory'],
    [['validate', bin], 'not a directory'],
    [['validate', '.', '--format', 'xml'], '--format must be "text" or "json"'],
    [['validate', '.', '--max-file-bytes', 'lots'], '--max-file-bytes must be a positive whole number'],
    [['validate', 'a', 'b'], 'too many arguments'],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const r = await ringmaster(args, example);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('documents itself in --help', async () => {
    const r = await ringmaster(['validate', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: ringmaster validate [options] [dir]');
    expect(r.stdout).toContain('Exit codes: 0 valid (warnings allowed), 1 invalid, 2 usage error.');
  });
});
