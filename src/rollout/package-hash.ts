/**
 * Package hashes the OpAMP server sends as `PackageAvailable.hash` and
 * `PackagesAvailable.all_packages_hash` (OPAMP.md: "Hashes are the server's to define";
 * each must change whenever what it covers changes). Agents echo them back as
 * `agent_has_hash` / `server_offered_hash`, which is how the planner recognises that the
 * target package is installed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PackageType } from '../manifests/types.ts';

const encoder = new TextEncoder();

/** The parts of an offered package a package hash covers. */
export interface HashedPackage {
  type: PackageType;
  version: string;
  file?: { url: string; sha256: string; signature?: string };
}

/**
 * Hex SHA-256 identifying what is offered for package `name`. The input is the UTF-8 of
 * the JSON array `["ringmaster.package.v1", name, type, version, url, sha256, signature]`
 * (absent file parts are `null`), so every field is delimited and escaped: no two
 * different packages share an encoding. Download headers (tokens) and `size` are left
 * out on purpose, so rotating a download token does not make every agent reinstall.
 */
export function packageHash(name: string, pkg: HashedPackage): string {
  const file = pkg.file;
  const fields = ['ringmaster.package.v1', name, pkg.type, pkg.version, file?.url ?? null, file?.sha256 ?? null, file?.signature ?? null];
  return bytesToHex(sha256(encoder.encode(JSON.stringify(fields))));
}

/**
 * Hex SHA-256 over a whole offer: the UTF-8 of the JSON array
 * `["ringmaster.packages.v1", name1, hash1, name2, hash2, …]` with names sorted by UTF-16
 * code unit (JavaScript's default string order), so the same set always gives the same
 * hash whatever order it was built in.
 */
export function allPackagesHash(packages: Readonly<Record<string, { hash: string }>>): string {
  const names = Object.keys(packages).sort();
  const fields: string[] = ['ringmaster.packages.v1'];
  for (const name of names) fields.push(name, (packages[name] as { hash: string }).hash);
  return bytesToHex(sha256(encoder.encode(JSON.stringify(fields))));
}
