import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadManifests } from '../../src/manifests/load.ts';
import { serveArtifacts, type ArtifactServer } from '../../src/artifacts/http-handler.ts';
import { createArtifactStore } from '../../src/artifacts/store.ts';
import { verifyPackageSignature } from '../../src/artifacts/signing.ts';
import { main } from '../../src/cli/main.ts';
import { ringmaster, type CliResult } from './cli-run.ts';

let dir: string;
let build: string;
const buildBytes = randomBytes(4096);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
async function ringmasterInProcess(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'ringmaster', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

const coords = ['--package', 'otelcol-acme', '--version', '1.5.0', '--os', 'linux', '--arch', 'amd64'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rm-cli-'));
  build = join(dir, 'otelcol-acme');
  await writeFile(build, buildBytes);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('ringmaster keys generate', () => {
  it('writes NAME.key (0600) and NAME.pub, and refuses to overwrite them', async () => {
    const out = join(dir, 'keys-a');
    const r = await ringmaster(['keys', 'generate', '--out', out, '--name', 'release']);
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(join(out, 'release.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(out, 'release.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await readFile(join(out, 'release.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const before = await readFile(join(out, 'release.key'), 'utf8');
    const again = await ringmaster(['keys', 'generate', '--out', out, '--name', 'release']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists; refusing to overwrite');
    expect(await readFile(join(out, 'release.key'), 'utf8')).toBe(before);
    expect((await ringmaster(['keys', 'generate', '--out', out, '--name', '../escape'])).code).toBe(2);
  });
});

describe('ringmaster package push / verify (signing round trip)', () => {
  let signature: string;
  const keys = (): string => join(dir, 'keys-sign');

  beforeAll(async () => {
    expect((await ringmaster(['keys', 'generate', '--out', keys(), '--name', 'a'])).code).toBe(0);
    expect((await ringmaster(['keys', 'generate', '--out', keys(), '--name', 'b'])).code).toBe(0);
    const r = await ringmaster(['package', 'push', build, ...coords, '--sign-key', join(keys(), 'a.key'), '--dir', join(dir, 'store-sign')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`stored packages/otelcol-acme/1.5.0/linux-amd64/otelcol-acme sha256=${sha(buildBytes)}`);
    signature = /signature=(\S+)/.exec(r.stdout)![1]!;
  });

  const verify = (file: string, sig: string, key = 'a.pub') =>
    ringmaster(['package', 'verify', file, '--key', join(keys(), key), '--signature', sig, ...coords]);

  it('verifies with package verify, and the stored manifest carries the signature', async () => {
    const r = await verify(build, signature);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('signature OK');
    const m = await createArtifactStore({ root: join(dir, 'store-sign') }).manifest('otelcol-acme', '1.5.0');
    expect(m?.files[0]?.signature).toBe(signature);
  });

  it('fails (exit 1) with another key or a flipped byte of file or signature; passes when any key matches', async () => {
    const flippedFile = Buffer.from(buildBytes);
    flippedFile[2048] = flippedFile[2048]! ^ 0xff;
    await writeFile(join(dir, 'flipped'), flippedFile);
    const flippedSig = Buffer.from(signature, 'base64');
    flippedSig[63] = flippedSig[63]! ^ 0x01;
    const [other, both, file, sig, platform] = await Promise.all([
      verify(build, signature, 'b.pub'),
      ringmaster(['package', 'verify', build, '--key', join(keys(), 'b.pub'), '--key', join(keys(), 'a.pub'), '--signature', signature, ...coords]),
      verify(join(dir, 'flipped'), signature),
      verify(build, flippedSig.toString('base64')),
      ringmaster(['package', 'verify', build, '--key', join(keys(), 'a.pub'), '--signature', signature, ...coords.slice(0, -1), 'arm64']),
    ]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('does NOT verify');
    expect(both.code, both.stderr).toBe(0);
    expect(file.code, 'flipped file byte').toBe(1);
    expect(sig.code, 'flipped signature byte').toBe(1);
    expect(platform.code, 'another platform').toBe(1);
  });

  it('fails on every single flipped byte of the file (checked in-process, same verifier)', async () => {
    const pub = await readFile(join(keys(), 'a.pub'), 'utf8');
    const subject = { package: 'otelcol-acme', version: '1.5.0', os: 'linux', arch: 'amd64' };
    expect(verifyPackageSignature([pub], { ...subject, sha256: sha(buildBytes) }, signature)).toBe(true);
    for (let i = 0; i < buildBytes.length; i++) {
      const flipped = Buffer.from(buildBytes);
      flipped[i] = flipped[i]! ^ 0x01;
      if (verifyPackageSignature([pub], { ...subject, sha256: sha(flipped) }, signature)) throw new Error(`byte ${i} flip still verifies`);
    }
  });

  it('answers usage errors with exit 2 and a clear message', async () => {
    expect((await verify(join(dir, 'missing'), signature)).stderr).toContain('does not exist');
    const badKey = await ringmaster(['package', 'push', build, ...coords, '--sign-key', join(keys(), 'a.pub'), '--dir', join(dir, 'x')]);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('E_SIGNING_KEY');
  });
});

describe('ringmaster package push --emit-release', () => {
  it('prints a valid PackageRelease with every platform pushed so far', async () => {
    const store = join(dir, 'store-emit');
    const metadata = join(dir, 'builder.json');
    await writeFile(metadata, JSON.stringify({ components: { receivers: ['otlp'] } }));
    const first = await ringmaster(['package', 'push', build, ...coords, '--dir', store, '--metadata', metadata, '--requires', 'base@>=1.0.0']);
    expect(first.code, first.stderr).toBe(0);
    const arm = [...coords.slice(0, -1), 'arm64'];
    const r = await ringmaster(['package', 'push', build, ...arm, '--dir', store, '--emit-release']);
    expect(r.code, r.stderr).toBe(0);
    const release = parse(r.stdout);
    expect(release).toMatchObject({
      apiVersion: 'ringmaster.dev/v1alpha1',
      kind: 'PackageRelease',
      metadata: { name: 'otelcol-acme-1.5.0' },
      spec: { package: 'otelcol-acme', type: 'TopLevel', version: '1.5.0', requires: [{ package: 'base', range: '>=1.0.0' }], metadata: { components: { receivers: ['otlp'] } } },
    });
    expect(release.spec.artifacts).toEqual([
      { os: 'linux', arch: 'amd64', url: 'packages/otelcol-acme/1.5.0/linux-amd64/otelcol-acme', sha256: sha(buildBytes), size: 4096 },
      { os: 'linux', arch: 'arm64', url: 'packages/otelcol-acme/1.5.0/linux-arm64/otelcol-acme', sha256: sha(buildBytes), size: 4096 },
    ]);
    const loaded = loadManifests([{ path: 'release.yaml', content: r.stdout }]);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.releases).toHaveLength(1);
  });

  it('merges into an existing file, keeping comments and other platforms', async () => {
    const store = join(dir, 'store-merge');
    const file = join(dir, 'release.yaml');
    await writeFile(file, [
      '# Release of the custom collector: reviewed by the platform team',
      'apiVersion: ringmaster.dev/v1alpha1',
      'kind: PackageRelease',
      'metadata:',
      '  name: otelcol-acme-1.5.0',
      '  labels: {team: platform}',
      'spec:',
      '  package: otelcol-acme',
      '  type: TopLevel',
      '  version: 1.5.0',
      '  artifacts:',
      '    - os: windows   # built by the windows CI',
      '      arch: amd64',
      '      url: https://artifacts.example.com/otelcol-acme.exe',
      '      sha256: ' + 'a'.repeat(64),
      '',
    ].join('\n'));
    for (const arch of ['amd64', 'arm64']) {
      const r = await ringmaster(['package', 'push', build, ...coords.slice(0, -1), arch, '--dir', store, '--emit-release', file]);
      expect(r.code, r.stderr).toBe(0);
    }
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# Release of the custom collector: reviewed by the platform team');
    expect(text).toContain('# built by the windows CI');
    const release = parse(text);
    expect(release.metadata.labels).toEqual({ team: 'platform' });
    expect(release.spec.artifacts.map((a: { os: string; arch: string }) => `${a.os}/${a.arch}`)).toEqual(['windows/amd64', 'linux/amd64', 'linux/arm64']);
    const wrong = await ringmaster(['package', 'push', build, ...coords.slice(0, 3), '1.6.0', ...coords.slice(4), '--dir', store, '--emit-release', file]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('is for version 1.5.0, not 1.6.0');
  });
});

describe('ringmaster package push / list against a server', () => {
  let server: ArtifactServer;
  const root = (): string => join(dir, 'served');
  beforeAll(async () => {
    server = await serveArtifacts({ store: createArtifactStore({ root: root() }), adminTokens: ['s3cret'] });
  });
  afterAll(async () => server.close());

  it('pushes with --server/--token, is idempotent, refuses a conflict (exit 1) and a bad token (exit 2)', async () => {
    const push = (file: string, token = 's3cret') => ringmaster(['package', 'push', file, ...coords, '--server', server.url, '--token', token]);
    const r = await push(build);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('stored packages/otelcol-acme/1.5.0/linux-amd64/otelcol-acme');
    expect((await push(build)).stdout).toContain('unchanged');
    const changed = join(dir, 'changed', 'otelcol-acme');
    await rm(join(dir, 'changed'), { recursive: true, force: true });
    await mkdir(join(dir, 'changed'));
    await writeFile(changed, 'other bytes');
    const conflict = await push(changed);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('E_ARTIFACT_CONFLICT');
    const denied = await push(build, 'wrong');
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain('E_UNAUTHORIZED');
    const list = await ringmaster(['package', 'list', '--server', server.url, '--format', 'json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)[0]).toMatchObject({ package: 'otelcol-acme', version: '1.5.0' });
    const emitted = await ringmaster(['package', 'push', build, ...coords, '--server', server.url, '--emit-release'], { RINGMASTER_TOKEN: 's3cret' });
    expect(emitted.code, emitted.stderr).toBe(0);
    expect(parse(emitted.stdout).spec.artifacts[0].sha256).toBe(sha(buildBytes));
  });

  it('reports the server\'s 413 for a file over its upload limit (exit 1), not a connection reset', async () => {
    const small = await serveArtifacts({ store: createArtifactStore({ root: join(dir, 'small') }), adminTokens: ['s3cret'], maxUploadBytes: 1024 * 1024 });
    try {
      const big = join(dir, 'big-build');
      await writeFile(big, Buffer.alloc(8 * 1024 * 1024));
      const r = await ringmaster(['package', 'push', big, ...coords, '--server', small.url, '--token', 's3cret']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('E_ARTIFACT_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('reports an unreachable server with exit 2', async () => {
    const r = await ringmaster(['package', 'list', '--server', 'http://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_REMOTE_UNREACHABLE');
  });
});

describe('concurrent pushes from separate processes', () => {
  it('to one --dir: every platform lands in the manifest, and one of two different builds wins', async () => {
    const store = join(dir, 'store-race');
    const other = join(dir, 'race-other', 'otelcol-acme');
    await mkdir(join(dir, 'race-other'));
    await writeFile(other, 'different build');
    const archs = ['amd64', 'arm64', 'ppc64le', 's390x'];
    const results = await Promise.all([
      ...archs.map((arch) => ringmaster(['package', 'push', build, ...coords.slice(0, -1), arch, '--dir', store])),
      ringmaster(['package', 'push', other, ...coords.slice(0, -1), 'riscv64', '--dir', store]),
      ringmaster(['package', 'push', build, ...coords.slice(0, -1), 'riscv64', '--dir', store]),
    ]);
    expect(results.slice(0, 4).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(results.slice(4).map((r) => r.code).sort()).toEqual([0, 1]);
    const m = await createArtifactStore({ root: store }).manifest('otelcol-acme', '1.5.0');
    expect(m?.files.map((f) => f.arch)).toEqual(['amd64', 'arm64', 'ppc64le', 'riscv64', 's390x']);
    const winner = results[4]!.code === 0 ? sha(Buffer.from('different build')) : sha(buildBytes);
    expect(m?.files.find((f) => f.arch === 'riscv64')?.sha256).toBe(winner);
  });
});

describe('ringmaster package list and input errors', () => {
  it('lists a local store (RINGMASTER_PACKAGES_DIR) as a table', async () => {
    const store = join(dir, 'store-list');
    expect((await ringmaster(['package', 'push', build, ...coords], { RINGMASTER_PACKAGES_DIR: store })).code).toBe(0);
    const r = await ringmaster(['package', 'list'], { RINGMASTER_PACKAGES_DIR: store });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^PACKAGE\s+VERSION\s+TYPE\s+PLATFORMS$/);
    expect(r.stdout).toMatch(/otelcol-acme\s+1\.5\.0\s+TopLevel\s+linux\/amd64 \(unsigned\)/);
  });

  // Flag and input validation runs in-process through the same main() as bin/ringmaster.js
  // (the child-process path is covered above); it keeps this suite fast on a shared machine.
  it.each([
    [['package', 'push', 'x', '--version', '1.0.0', '--os', 'linux', '--arch', 'amd64'], "required option '--package <name>' not specified"],
    [['package', 'push', '__BUILD__', '--package', 'p', '--version', 'v1', '--os', 'linux', '--arch', 'amd64', '--dir', '__DIR__'], 'not a semantic version'],
    [['package', 'push', '__DIR__/nope', '--package', 'p', '--version', '1.0.0', '--os', 'linux', '--arch', 'amd64'], 'does not exist'],
    [['package', 'push', '__BUILD__', '--package', 'p', '--version', '1.0.0', '--os', 'linux', '--arch', 'amd64', '--requires', 'nonsense', '--dir', '__DIR__'], 'write package@range'],
    [['package', 'push', '__BUILD__', '--package', 'p', '--version', '1.0.0', '--os', 'linux', '--arch', 'amd64', '--metadata', '__BUILD__', '--dir', '__DIR__'], 'is not JSON'],
    [['package', 'list', '--format', 'xml'], '--format must be text or json'],
  ])('exits 2 on %j', async (args, message) => {
    const store = join(dir, 'store-errors');
    const r = await ringmasterInProcess(args.map((a) => a.replace('__BUILD__', build).replace('__DIR__', store)));
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    await expect(stat(join(store, 'p'))).rejects.toThrow();
  });

  it('exits 2 when the file is unreadable', async () => {
    const locked = join(dir, 'locked');
    await writeFile(locked, 'x');
    await chmod(locked, 0o000);
    const r = await ringmaster(['package', 'verify', locked, '--key', locked, '--signature', 'AA==', ...coords]);
    expect(r.code).toBe(process.getuid?.() === 0 ? 1 : 2);
  });
});
