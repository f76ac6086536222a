/**
 * Turns the planner's offers (hex hashes, base64 signatures, store-relative URLs) into
 * OpAMP `PackagesAvailable` messages. The planner defines the hashes
 * (`src/rollout/package-hash.ts`); this module only encodes them.
 */
import type { AgentOffer, OfferedFile, OfferedPackage } from '../rollout/types.ts';
import { PackageType } from './messages.ts';
import type { DownloadableFile, PackageAvailable, PackagesAvailable } from './messages.ts';

/** An offer that cannot be put on the wire (bad hex, bad base64, unresolvable URL). */
export class OpampOfferError extends Error {
  readonly code = 'E_OPAMP_OFFER' as const;

  constructor(message: string) {
    super(message);
    this.name = 'OpampOfferError';
  }
}

/** How offered files are addressed. */
export interface OfferEncoding {
  /** Relative `OfferedFile.url` values resolve against this (the artifact store's public URL). */
  publicBaseUrl?: string;
  /**
   * Credentials for Ringmaster's own artifact store (e.g. `Authorization: Bearer <token>`).
   * Added to a `DownloadableFile` only when its resolved URL has the same origin (scheme,
   * host, port) as `publicBaseUrl`; never to files on other hosts, and never when no
   * `publicBaseUrl` is set.
   */
  downloadHeaders?: Record<string, string>;
}

const hexPattern = /^(?:[0-9a-f]{2})*$/i;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Builds the complete `PackagesAvailable` for one agent (spec: the agent deletes packages
 * the offer leaves out). Throws `OpampOfferError` naming the agent, package and field when
 * a value cannot be encoded.
 */
export function buildPackagesAvailable(offer: AgentOffer, encoding: OfferEncoding): PackagesAvailable {
  const where = `offer for agent ${offer.uid}`;
  const packages: Record<string, PackageAvailable> = {};
  for (const [name, entry] of Object.entries(offer.packages)) {
    packages[name] = buildPackage(entry, encoding, `${where}, package ${JSON.stringify(name)}`);
  }
  return { packages, allPackagesHash: hexBytes(offer.allPackagesHash, `${where}: allPackagesHash`) };
}

function buildPackage(entry: OfferedPackage, encoding: OfferEncoding, where: string): PackageAvailable {
  const built: PackageAvailable = {
    type: entry.type === 'Addon' ? PackageType.Addon : PackageType.TopLevel,
    version: entry.version,
    hash: hexBytes(entry.hash, `${where}: hash`),
  };
  if (entry.file !== undefined) built.file = buildFile(entry.file, encoding, where);
  return built;
}

function buildFile(file: OfferedFile, encoding: OfferEncoding, where: string): DownloadableFile {
  const contentHash = hexBytes(file.sha256, `${where}: file.sha256`);
  if (contentHash.byteLength !== 32) throw new OpampOfferError(`${where}: file.sha256 must be 64 hex digits (raw SHA-256), got ${file.sha256.length}`);
  const downloadUrl = resolveUrl(file.url, encoding.publicBaseUrl, where);
  const built: DownloadableFile = { downloadUrl, contentHash };
  if (file.signature !== undefined) built.signature = base64Bytes(file.signature, `${where}: file.signature`);
  const headers = Object.entries(encoding.downloadHeaders ?? {});
  // The headers are the store's credentials: an absolute URL on another host (a CDN, a vendor's
  // release page) must not receive them, or anyone running that host could replay the token.
  if (headers.length > 0 && encoding.publicBaseUrl !== undefined && sameOrigin(downloadUrl, encoding.publicBaseUrl)) {
    built.headers = { headers: headers.map(([key, value]) => ({ key, value })) };
  }
  return built;
}

/**
 * True when both absolute URLs share scheme, host and port. Compares `protocol` and `host`
 * rather than `URL.origin`, which is the opaque `"null"` for non-special schemes (two
 * `file:` URLs would compare equal). `host` is lower-cased and drops the scheme's default
 * port, so `https://H:443/` and `https://h/` match.
 */
export function sameOrigin(a: string, b: string): boolean {
  const left = new URL(a);
  const right = new URL(b);
  return left.host !== '' && left.protocol === right.protocol && left.host === right.host;
}

function resolveUrl(url: string, base: string | undefined, where: string): string {
  if (URL.canParse(url)) return url;
  if (base === undefined) {
    throw new OpampOfferError(`${where}: file.url ${JSON.stringify(url)} is relative and no publicBaseUrl is configured; set the server's publicBaseUrl`);
  }
  // Keep the base's path: "artifacts/x" against "https://h/store/" → "https://h/store/artifacts/x".
  const baseWithSlash = base.endsWith('/') ? base : `${base}/`;
  return new URL(url.replace(/^\/+/, ''), baseWithSlash).toString();
}

/** Hashes are never empty: an empty `bytes` field is absent on the wire (spec: all_packages_hash MUST be set). */
function hexBytes(hex: string, where: string): Uint8Array {
  if (hex === '') throw new OpampOfferError(`${where} is empty; hashes must be set`);
  if (!hexPattern.test(hex)) throw new OpampOfferError(`${where} is not hex: ${JSON.stringify(hex.slice(0, 80))}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function base64Bytes(text: string, where: string): Uint8Array {
  if (!base64Pattern.test(text)) throw new OpampOfferError(`${where} is not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}
