import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { simpleGit, type SimpleGit } from 'simple-git';
import { isMap, isSeq, parseAllDocuments, type Document, type YAMLMap } from 'yaml';
import type { ArtifactStore } from '../artifacts/store.ts';
import { signPackage } from '../artifacts/signing.ts';

/** The demo's fleet repository: a bare "remote" and the clone a human would work in. */
export interface DemoRepo {
  bare: string;
  clone: string;
  git: SimpleGit;
}

export const DEMO_HUMAN = { name: 'Dana Demo', email: 'dana@example.com' };

/** Size of every generated package file: small enough to be quick, big enough to stream. */
export const DEMO_PACKAGE_BYTES = 64 * 1024;

/**
 * Creates a bare repository seeded from `examplesDir` (the example fleet repo), with every
 * release's artifacts replaced by real, signed files pushed into `store`. Nothing else of
 * the example changes here: the demo's own edits are later commits, as a team would do.
 */
export async function createDemoRepo(root: string, examplesDir: string, store: ArtifactStore, privateKeyPem: string): Promise<DemoRepo> {
  const bare = join(root, 'fleet.git');
  const clone = join(root, 'fleet');
  await simpleGit().raw(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  await cp(examplesDir, clone, { recursive: true });
  await rm(join(clone, '.git'), { recursive: true, force: true });
  const git = simpleGit(clone);
  await git.init(['--quiet', '--initial-branch=main']);
  await git.addConfig('user.name', DEMO_HUMAN.name).addConfig('user.email', DEMO_HUMAN.email).addConfig('commit.gpgsign', 'false');
  await git.addRemote('origin', bare);
  for (const file of await readdir(join(clone, 'releases'))) {
    if (/\.ya?ml$/.test(file)) await realizeReleaseFile(join(clone, 'releases', file), store, privateKeyPem);
  }
  await git.add('.').commit('Fleet repository: releases with real, signed demo packages');
  await git.push('origin', 'main');
  return { bare, clone, git };
}

/** Rewrites one release file's artifacts to point at freshly pushed, signed files. */
async function realizeReleaseFile(path: string, store: ArtifactStore, privateKeyPem: string): Promise<void> {
  const docs = parseAllDocuments(await readFile(path, 'utf8'));
  if (!Array.isArray(docs)) return;
  for (const doc of docs) await realizeRelease(doc, store, privateKeyPem);
  await writeFile(path, docs.map((d) => d.toString()).join(''));
}

async function realizeRelease(doc: Document, store: ArtifactStore, privateKeyPem: string): Promise<void> {
  if (doc.get('kind') !== 'PackageRelease') return;
  const spec = doc.get('spec') as YAMLMap | undefined;
  const artifacts = spec?.get('artifacts');
  if (!spec || !isSeq(artifacts)) return;
  const pkg = String(spec.get('package'));
  const version = String(spec.get('version'));
  const type = spec.get('type') === 'Addon' ? 'Addon' : 'TopLevel';
  for (const item of artifacts.items) {
    if (!isMap(item)) continue;
    const os = String(item.get('os'));
    const arch = String(item.get('arch'));
    const fileName = basename(String(item.get('url')));
    const content = demoPackageBytes(pkg, version, os, arch);
    const put = await store.put(Readable.from([content]), { package: pkg, version, os, arch, fileName, type });
    const signature = signPackage(privateKeyPem, { package: pkg, version, os, arch, sha256: put.sha256 });
    item.set('url', put.path);
    item.set('sha256', put.sha256);
    item.set('signature', signature);
    item.set('size', put.size);
  }
}

/** Deterministic, distinct bytes per package, version and platform. */
export function demoPackageBytes(pkg: string, version: string, os: string, arch: string): Buffer {
  const header = Buffer.from(`#!/bin/sh\n# ringmaster demo package ${pkg} ${version} ${os}/${arch}\necho "${pkg} ${version}"\n`);
  const body = Buffer.alloc(DEMO_PACKAGE_BYTES - header.length);
  for (let i = 0; i < body.length; i++) body[i] = 0x23 + ((i * 31 + version.length * 7 + os.length) % 90);
  return Buffer.concat([header, body]);
}

/**
 * Edits a YAML manifest in the human's clone (comments kept), commits and pushes — what a
 * person does in a pull request that gets merged.
 */
export async function commitEdit(repo: DemoRepo, file: string, edit: (doc: Document) => void, message: string): Promise<string> {
  const path = join(repo.clone, file);
  const doc = parseAllDocuments(await readFile(path, 'utf8'));
  if (!Array.isArray(doc) || doc.length !== 1 || !doc[0]) throw new Error(`${file}: expected exactly one YAML document`);
  edit(doc[0]);
  await writeFile(path, doc[0].toString());
  await repo.git.add(file).commit(message);
  await pushWithRebase(repo.git);
  return (await repo.git.revparse(['HEAD'])).trim();
}

/** Pushes, rebasing first when Ringmaster's status commits moved the branch meanwhile. */
async function pushWithRebase(git: SimpleGit): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await git.push('origin', 'main');
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      await git.pull('origin', 'main', ['--rebase', '--quiet']);
    }
  }
}
