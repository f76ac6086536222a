/**
 * Steps 1 and 2 of an install: download the offered file (resumable, size-limited,
 * SHA-256 checked against `content_hash`) and verify its signature against the keys this
 * agent trusts. Nothing is run or installed before both pass.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyPackageSignature } from '../artifacts/signing.ts';
import { downloadFile, type DownloadLimits, type DownloadProgress } from './download.ts';
import { AgentError } from './errors.ts';
import { toHex, type InstallableOffer } from './sync-plan.ts';

/** Which signatures the agent accepts (config `trust`). */
export interface TrustSpec {
  /** Trusted Ed25519 public keys (PEM). */
  publicKeyPems: readonly string[];
  /** Refuse packages without a signature. */
  requireSignature: boolean;
}

/** Where and how packages are downloaded and checked. */
export interface FetchContext {
  downloadsDir: string;
  limits: DownloadLimits;
  trust: TrustSpec;
  /** This agent's platform, as signed (`os.type`, `host.arch`). */
  platform: { os: string; arch: string };
  ca?: string;
  signal: AbortSignal;
  onProgress: (progress: DownloadProgress) => void;
}

/** Downloads and verifies one offered package; resolves to the path of the verified file. */
export async function fetchVerifiedPackage(ctx: FetchContext, name: string, offered: InstallableOffer): Promise<string> {
  await mkdir(ctx.downloadsDir, { recursive: true, mode: 0o700 });
  // Named after the package hash: a restarted agent offered the same package resumes it.
  const dest = join(ctx.downloadsDir, `${fileSafe(name)}-${toHex(offered.hash).slice(0, 32)}.part`);
  const sha256 = toHex(offered.file.contentHash);
  try {
    await downloadFile({
      url: offered.file.downloadUrl,
      headers: headersOf(offered),
      dest,
      expectedSha256: sha256,
      limits: ctx.limits,
      signal: ctx.signal,
      onProgress: ctx.onProgress,
      ...(ctx.ca === undefined ? {} : { ca: ctx.ca }),
    });
    checkSignature(ctx, name, offered, sha256);
  } catch (err) {
    // A partial download is kept for resumption; anything else that failed is discarded.
    if (!(err instanceof AgentError && err.code === 'E_DOWNLOAD')) await rm(dest, { force: true });
    throw err;
  }
  return dest;
}

function checkSignature(ctx: FetchContext, name: string, offered: InstallableOffer, sha256: string): void {
  const label = `package "${name}" ${offered.version}`;
  const signature = offered.file.signature;
  if (!signature || signature.length === 0) {
    if (ctx.trust.requireSignature) {
      throw new AgentError('E_UNSIGNED', `${label} is not signed and this agent requires signatures (trust.requireSignature)`);
    }
    return;
  }
  if (ctx.trust.publicKeyPems.length === 0) return;
  const subject = { package: name, version: offered.version, os: ctx.platform.os, arch: ctx.platform.arch, sha256 };
  if (!verifyPackageSignature(ctx.trust.publicKeyPems, subject, signature)) {
    throw new AgentError('E_SIGNATURE', `signature of ${label} for ${ctx.platform.os}/${ctx.platform.arch} does not verify against any of the ${ctx.trust.publicKeyPems.length} trusted key(s)`);
  }
}

function headersOf(offered: InstallableOffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of offered.file.headers?.headers ?? []) {
    if (h.key) out[h.key.toLowerCase()] = h.value ?? '';
  }
  return out;
}

function fileSafe(name: string): string {
  return name === '' ? '_top-level' : name.replace(/[^A-Za-z0-9._-]/g, '_');
}
