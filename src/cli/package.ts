/**
 * `ringmaster package push | verify | list`: put builds into the artifact store (a local
 * directory or a running server), emit the PackageRelease to commit, check signatures.
 * The work is done by src/artifacts; this module maps flags and errors to exit codes.
 */
import { readFile, stat, writeFile, rename } from 'node:fs/promises';
import type { Command } from 'commander';
import { ArtifactConflictError, ArtifactError } from '../artifacts/errors.ts';
import { hashFile, pushPackage, readTargetManifest, type PushTarget } from '../artifacts/push.ts';
import { parseRequirement } from '../artifacts/put-meta.ts';
import { mergeReleaseYaml, releaseFromManifest, renderRelease } from '../artifacts/release-yaml.ts';
import { fetchRemoteIndex, RemoteStoreError } from '../artifacts/remote-client.ts';
import { SigningKeyError, verifyPackageSignature } from '../artifacts/signing.ts';
import { createArtifactStore } from '../artifacts/store.ts';
import type { VersionManifest } from '../artifacts/manifest.ts';
import type { PackageType } from '../manifests/types.ts';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, type CliIo, type RegisterCommand } from './program.ts';

interface TargetOptions {
  dir?: string;
  server?: string;
  token?: string;
}

interface PushOptions extends TargetOptions {
  package: string;
  version: string;
  os: string;
  arch: string;
  type?: string;
  signKey?: string;
  metadata?: string;
  requires: string[];
  emitRelease?: string | true;
}

interface VerifyOptions {
  key: string[];
  signature: string;
  package: string;
  version: string;
  os: string;
  arch: string;
}

/** Default store directory when neither `--dir` nor `RINGMASTER_PACKAGES_DIR` is given. */
export const DEFAULT_PACKAGES_DIR = './data/packages';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `package push`, `package verify` and `package list`. */
export const registerPackage: RegisterCommand = (program: Command, io: CliIo) => {
  const pkg = program.command('package').description('push packages to the artifact store, verify signatures, list versions');
  withTarget(withCoordinates(pkg.command('push').argument('<file>', 'the build to push')))
    .description('store a build for one platform (immutable: identical re-push is a no-op, different content is refused)')
    .option('--type <type>', 'TopLevel or Addon (default TopLevel on the first push of a version)')
    .option('--sign-key <file>', 'Ed25519 private key (PEM) to sign with, from `ringmaster keys generate`')
    .option('--metadata <file>', 'JSON object stored with the version, e.g. the collector builder manifest')
    .option('--requires <pkg@range>', 'a package this one needs, e.g. otelcol-custom@>=1.5.0 (repeatable)', collect, [])
    .option('--emit-release [file]', 'print the PackageRelease YAML for this version, or merge it into FILE')
    .addHelpText('after', '\nExit codes: 0 stored (or already identical), 1 refused (conflict, server error), 2 usage or input error.\nExample: ringmaster package push dist/otelcol-custom --package otelcol-custom --version 1.5.0 --os linux --arch amd64 --sign-key release.key --emit-release releases/otelcol-custom-1.5.0.yaml\n')
    .action(async (file: string, options: PushOptions) => runPush(file, options, io).catch(rethrowAsExit));
  withCoordinates(pkg.command('verify').argument('<file>', 'the file to check'))
    .description('check a package signature against one or more public keys')
    .requiredOption('--key <file>', 'Ed25519 public key (PEM); repeatable, any one may match', collect, [])
    .requiredOption('--signature <base64>', 'the signature, base64')
    .addHelpText('after', '\nExit codes: 0 the signature verifies, 1 it does not, 2 usage error.\nExample: ringmaster package verify otelcol-custom --key release.pub --signature "$SIG" --package otelcol-custom --version 1.5.0 --os linux --arch amd64\n')
    .action(async (file: string, options: VerifyOptions) => runVerify(file, options, io).catch(rethrowAsExit));
  withTarget(pkg.command('list'))
    .description('list stored versions and their platforms')
    .option('--package <name>', 'only this package')
    .option('--format <format>', 'text or json', 'text')
    .addHelpText('after', '\nExit codes: 0 listed, 1 server error, 2 usage error.\nExample: ringmaster package list --package otelcol-custom --server https://ringmaster.example.com\n')
    .action(async (options: TargetOptions & { package?: string; format: string }) => runList(options, io).catch(rethrowAsExit));
};

function withCoordinates(cmd: Command): Command {
  return cmd
    .requiredOption('--package <name>', 'package name (the OpAMP package key)')
    .requiredOption('--version <semver>', 'package version, e.g. 1.5.0')
    .requiredOption('--os <os>', 'operating system, GOOS style (linux, darwin, windows)')
    .requiredOption('--arch <arch>', 'architecture, GOARCH style (amd64, arm64)');
}

function withTarget(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', `local store directory (default $RINGMASTER_PACKAGES_DIR or ${DEFAULT_PACKAGES_DIR})`)
    .option('--server <url>', 'a running ringmaster server instead of a local directory')
    .option('--token <token>', 'bearer token for --server (default $RINGMASTER_TOKEN)');
}

function targetOf(o: TargetOptions): PushTarget {
  if (o.dir !== undefined && o.server !== undefined) throw new CliExit(EXIT_USAGE, 'give either --dir or --server, not both');
  if (o.server !== undefined) {
    const token = o.token ?? process.env['RINGMASTER_TOKEN'];
    return { kind: 'server', server: o.server, ...(token ? { token } : {}) };
  }
  return { kind: 'dir', root: o.dir ?? (process.env['RINGMASTER_PACKAGES_DIR'] || DEFAULT_PACKAGES_DIR) };
}

async function runPush(file: string, o: PushOptions, io: CliIo): Promise<void> {
  const target = targetOf(o);
  await requireReadable(file, 'file');
  const meta = {
    package: o.package, version: o.version, os: o.os, arch: o.arch, fileName: baseName(file),
    ...(o.type !== undefined ? { type: o.type as PackageType } : {}),
    ...(o.metadata !== undefined ? { metadata: await readMetadata(o.metadata) } : {}),
    ...(o.requires.length > 0 ? { requires: o.requires.map(parseRequirement) } : {}),
  };
  const signingKeyPem = o.signKey !== undefined ? await readText(o.signKey, '--sign-key') : undefined;
  const outcome = await pushPackage({ filePath: file, meta, target, ...(signingKeyPem !== undefined ? { signingKeyPem } : {}) });
  const e = outcome.entry;
  const summary = `${outcome.created ? 'stored' : 'unchanged (identical content already stored)'} ${e.path} sha256=${e.sha256} size=${e.size}${e.signature ? ` signature=${e.signature}` : ''}\n`;
  if (o.emitRelease === undefined) return io.stdout(summary);
  io.stderr(summary);
  const manifest = await readTargetManifest(target, meta);
  if (!manifest) throw new CliExit(EXIT_FAILURE, `${meta.package} ${meta.version} disappeared from the store before its release could be emitted`);
  await emitRelease(manifest, o.emitRelease, io);
}

async function emitRelease(manifest: VersionManifest, to: string | true, io: CliIo): Promise<void> {
  const release = releaseFromManifest(manifest);
  if (to === true) return io.stdout(renderRelease(release));
  const existing = await readFile(to, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '';
    throw new CliExit(EXIT_USAGE, `cannot read ${to}: ${err.message}`);
  });
  const text = mergeReleaseYaml(existing, release);
  const temp = `${to}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, to);
  io.stderr(`wrote PackageRelease ${release.metadata.name} (${release.spec.artifacts.length} platform(s)) to ${to}\n`);
}

async function runVerify(file: string, o: VerifyOptions, io: CliIo): Promise<void> {
  await requireReadable(file, 'file');
  const keys = await Promise.all(o.key.map((k) => readText(k, '--key')));
  const sha256 = await hashFile(file);
  const subject = { package: o.package, version: o.version, os: o.os, arch: o.arch, sha256 };
  if (!verifyPackageSignature(keys, subject, o.signature)) {
    throw new CliExit(EXIT_FAILURE, `signature does NOT verify for ${o.package} ${o.version} ${o.os}/${o.arch} (sha256 ${sha256}) with the given key(s)`);
  }
  io.stdout(`signature OK: ${o.package} ${o.version} ${o.os}/${o.arch} sha256=${sha256}\n`);
}

async function runList(o: TargetOptions & { package?: string; format: string }, io: CliIo): Promise<void> {
  if (o.format !== 'text' && o.format !== 'json') throw new CliExit(EXIT_USAGE, `--format must be text or json, not ${JSON.stringify(o.format)}`);
  const target = targetOf(o);
  const manifests = target.kind === 'server'
    ? (await fetchRemoteIndex(target)).packages.flatMap((p) => p.versions).filter((m) => o.package === undefined || m.package === o.package)
    : await createArtifactStore({ root: target.root }).list(o.package);
  if (o.format === 'json') return io.stdout(`${JSON.stringify(manifests, null, 2)}\n`);
  const rows = manifests.map((m) => [m.package, m.version, m.type, m.files.map((f) => `${f.os}/${f.arch}${f.signature ? '' : ' (unsigned)'}`).join(', ')]);
  io.stdout(renderTable([['PACKAGE', 'VERSION', 'TYPE', 'PLATFORMS'], ...rows]));
}

function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

async function readMetadata(path: string): Promise<Record<string, unknown>> {
  const text = await readText(path, '--metadata');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliExit(EXIT_USAGE, `--metadata ${path} is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliExit(EXIT_USAGE, `--metadata ${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliExit(EXIT_USAGE, `${flag} ${path}: cannot read it (${(err as Error).message})`);
  }
}

async function requireReadable(path: string, what: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliExit(EXIT_USAGE, `${what} ${path} does not exist`);
  if (info.isDirectory()) throw new CliExit(EXIT_USAGE, `${what} ${path} is a directory; give the built package file`);
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Maps library errors to exit codes: bad input 2, refused or failed 1. */
function rethrowAsExit(err: unknown): never {
  if (err instanceof CliExit) throw err;
  if (err instanceof SigningKeyError) throw new CliExit(EXIT_USAGE, `error ${err.code}: ${err.message}`);
  if (err instanceof ArtifactConflictError) throw new CliExit(EXIT_FAILURE, `error ${err.code}: ${err.message}`);
  if (err instanceof ArtifactError) throw new CliExit(err.status === 400 ? EXIT_USAGE : EXIT_FAILURE, `error ${err.code}: ${err.message}`);
  if (err instanceof RemoteStoreError) {
    const usage = err.status === 0 || err.status === 400 || err.status === 401 || err.status === 403;
    throw new CliExit(usage ? EXIT_USAGE : EXIT_FAILURE, `error ${err.code}: ${err.message}`);
  }
  throw err;
}
