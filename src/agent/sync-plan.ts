/**
 * What to do with one `PackagesAvailable` offer, decided without side effects (spec:
 * "Syncing Packages"): an equal package hash means keep; a known failed hash is not
 * retried; a package that is not offered is deleted — unless it is the top-level package,
 * which is never deleted.
 */
import type { DownloadableFile, PackageAvailable, PackagesAvailable } from '../opamp/messages.ts';
import { PackageType } from '../opamp/messages.ts';
import type { AgentLocalState } from './state-store.ts';

/** A `PackageAvailable` whose file is present and well formed. */
export type InstallableOffer = PackageAvailable & { version: string; file: DownloadableFile & { downloadUrl: string; contentHash: Uint8Array } };

/** One decision of a sync: keep, install, fail (with the reason), remove an addon, or retain the top-level package. */
export type SyncStep =
  | { kind: 'keep'; name: string; offered: PackageAvailable }
  | { kind: 'install'; name: string; offered: InstallableOffer }
  | { kind: 'fail'; name: string; offered: PackageAvailable; error: string }
  | { kind: 'remove'; name: string }
  | { kind: 'retain'; name: string };

/** Lowercase hex of optional bytes ('' when absent). */
export function toHex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : '';
}

/** Decides the steps for `offer`, in package-name order: offered packages first, then the rest. */
export function planPackageSync(offer: PackagesAvailable, state: AgentLocalState): SyncStep[] {
  const offered = offer.packages ?? {};
  const steps: SyncStep[] = Object.keys(offered).sort().map((name) => planOne(name, offered[name] ?? {}, state));
  for (const name of Object.keys(state.packages).sort()) {
    if (Object.hasOwn(offered, name)) continue;
    steps.push({ kind: state.packages[name]?.type === 'TopLevel' ? 'retain' : 'remove', name });
  }
  return steps;
}

function planOne(name: string, offered: PackageAvailable, state: AgentLocalState): SyncStep {
  const hash = toHex(offered.hash);
  if (hash !== '' && state.packages[name]?.hash === hash) return { kind: 'keep', name, offered };
  const failed = state.failures[name];
  if (failed && hash !== '' && failed.hash === hash) return { kind: 'fail', name, offered, error: failed.error };
  const problem = offerProblem(name, offered);
  if (problem) return { kind: 'fail', name, offered, error: problem };
  return { kind: 'install', name, offered: offered as InstallableOffer };
}

function offerProblem(name: string, offered: PackageAvailable): string | undefined {
  const label = `package "${name}"`;
  if (offered.type !== undefined && offered.type !== PackageType.TopLevel && offered.type !== PackageType.Addon) {
    return `E_BAD_OFFER: ${label} has unknown type ${offered.type}`;
  }
  if (!offered.hash || offered.hash.length === 0) return `E_BAD_OFFER: ${label} was offered without a package hash`;
  if (!offered.file) return `E_NO_FILE: no file offered for ${label} version ${offered.version ?? '(none)'}, and the agent does not have that package hash`;
  if (!offered.version) return `E_BAD_OFFER: ${label} was offered without a version`;
  if (!offered.file.downloadUrl) return `E_BAD_OFFER: ${label} ${offered.version} has no download_url`;
  if (offered.file.contentHash?.length !== 32) {
    return `E_BAD_OFFER: ${label} ${offered.version} content_hash must be the 32-byte SHA-256 of the file, got ${offered.file.contentHash?.length ?? 0} bytes`;
  }
  return undefined;
}
