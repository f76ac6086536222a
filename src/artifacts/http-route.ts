import { ArtifactInputError } from './errors.ts';
import { assertFileCoordinates, assertVersionCoordinates, type FileCoordinates, type VersionCoordinates } from './names.ts';

/**
 * Maps a raw request target to what it names in the store. The raw target is parsed by
 * hand — never normalized by a URL parser first — so that `..`, encoded slashes,
 * backslashes and NUL bytes are seen and refused instead of silently resolved.
 */

/** What a `/packages/...` path names. */
export type ArtifactRoute =
  | { kind: 'index' }
  | { kind: 'manifest'; version: VersionCoordinates }
  | { kind: 'file'; file: FileCoordinates }
  | { kind: 'invalid'; message: string }
  | { kind: 'unknown' };

/** URL prefix of every artifact path. */
export const PACKAGES_PREFIX = '/packages';

/**
 * Parses `rawUrl` (the request target as received, query allowed). Returns `undefined`
 * when the path is not under `/packages`, so another handler may take it.
 */
export function parseArtifactRoute(rawUrl: string): ArtifactRoute | undefined {
  const path = rawUrl.split('?', 1)[0] ?? '';
  if (path !== PACKAGES_PREFIX && !path.startsWith(`${PACKAGES_PREFIX}/`)) return undefined;
  if (path === PACKAGES_PREFIX || path === `${PACKAGES_PREFIX}/`) return { kind: 'unknown' };
  const raw = path.slice(PACKAGES_PREFIX.length + 1).split('/');
  const decoded = decodeSegments(raw);
  if (typeof decoded === 'string') return { kind: 'invalid', message: decoded };
  try {
    return routeOf(decoded);
  } catch (err) {
    if (err instanceof ArtifactInputError) return { kind: 'invalid', message: err.message };
    throw err;
  }
}

function decodeSegments(raw: string[]): string[] | string {
  const out: string[] = [];
  for (const segment of raw) {
    // An encoded separator would smuggle a path into one segment; a backslash is a separator on Windows.
    if (/%2f|%5c|\\/i.test(segment)) return 'path segments may not contain encoded "/" or "\\"';
    let value: string;
    try {
      value = decodeURIComponent(segment);
    } catch {
      return `path segment ${JSON.stringify(segment)} is not valid percent-encoding`;
    }
    if (value === '' || value === '.' || value === '..') return 'path may not contain empty, "." or ".." segments';
    if (value.includes('\0')) return 'path may not contain NUL bytes';
    out.push(value);
  }
  return out;
}

function routeOf(s: string[]): ArtifactRoute {
  if (s.length === 1 && s[0] === 'index.json') return { kind: 'index' };
  if (s.length === 3 && s[2] === 'manifest.json') {
    const version = { package: s[0]!, version: s[1]! };
    assertVersionCoordinates(version);
    return { kind: 'manifest', version };
  }
  if (s.length === 4) {
    const platform = s[2]!.split('-');
    if (platform.length !== 2) return { kind: 'invalid', message: `platform ${JSON.stringify(s[2])} is not <os>-<arch>, e.g. linux-amd64` };
    const file = { package: s[0]!, version: s[1]!, os: platform[0]!, arch: platform[1]!, fileName: s[3]! };
    assertFileCoordinates(file);
    return { kind: 'file', file };
  }
  return { kind: 'unknown' };
}
