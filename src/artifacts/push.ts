import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { ManifestFileEntry, VersionManifest } from './manifest.ts';
import { assertPutMeta, type PutMeta } from './put-meta.ts';
import { fetchRemoteManifest, pushToServer, type RemoteStore } from './remote-client.ts';
import { signPackage } from './signing.ts';
import { createArtifactStore } from './store.ts';

/**
 * One push, to a local store directory or a running server, optionally signed. This is
 * what `ringmaster package push` runs; it lives here so other tools (a build pipeline,
 * tests) push exactly the same way.
 */

/** Where a push goes. */
export type PushTarget = { kind: 'dir'; root: string } | ({ kind: 'server' } & RemoteStore);

/** Options of {@link pushPackage}. */
export interface PushPackageOptions {
  filePath: string;
  meta: Omit<PutMeta, 'signature' | 'expectedSha256'>;
  /** PEM Ed25519 private key: the file is hashed first, signed, then uploaded and checked against that digest. */
  signingKeyPem?: string;
  target: PushTarget;
  logger?: Logger;
}

/** What a push did. */
export interface PushPackageOutcome {
  entry: ManifestFileEntry;
  created: boolean;
}

/**
 * Pushes one file. Throws ArtifactInputError / SigningKeyError before any upload when the
 * input is invalid, ArtifactConflictError (local) or RemoteStoreError (server) otherwise.
 */
export async function pushPackage(o: PushPackageOptions): Promise<PushPackageOutcome> {
  assertPutMeta(o.meta);
  let meta: PutMeta = o.meta;
  if (o.signingKeyPem !== undefined) {
    // Signing needs the digest before the upload; announcing it makes the store refuse a file that changed meanwhile.
    const sha256 = await hashFile(o.filePath);
    meta = { ...meta, expectedSha256: sha256, signature: signPackage(o.signingKeyPem, { ...meta, sha256 }) };
  }
  if (o.target.kind === 'server') return pushToServer(o.target, o.filePath, meta);
  const store = createArtifactStore({ root: o.target.root, ...(o.logger ? { logger: o.logger } : {}) });
  const result = await store.put(createReadStream(o.filePath), meta);
  return { entry: result.entry, created: result.created };
}

/** The manifest of a version at `target`, or undefined. */
export async function readTargetManifest(target: PushTarget, v: { package: string; version: string }): Promise<VersionManifest | undefined> {
  if (target.kind === 'server') return fetchRemoteManifest(target, v);
  return createArtifactStore({ root: target.root }).manifest(v.package, v.version);
}

/** Lowercase hex SHA-256 of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
