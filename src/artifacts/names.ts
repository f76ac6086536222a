import semver from 'semver';
import { ArtifactInputError } from './errors.ts';

/**
 * Validation of everything that becomes a path segment in the store. Each rule keeps a
 * request inside the store root and keeps the layout unambiguous: no `/`, `\`, `..`,
 * NUL or leading dot anywhere, and no `-` in os or arch because the platform directory
 * is `<os>-<arch>`.
 */

/** Identifies one version of one package. */
export interface VersionCoordinates {
  package: string;
  version: string;
}

/** Identifies one platform's file of a version. */
export interface FileCoordinates extends VersionCoordinates {
  os: string;
  arch: string;
  fileName: string;
}

const PACKAGE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PLATFORM_PART = /^[a-z0-9][a-z0-9_]{0,31}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;

/** Throws {@link ArtifactInputError} unless `name` is a valid package name. */
export function assertPackageName(name: string): void {
  if (!PACKAGE.test(name) || name.includes('..')) {
    throw new ArtifactInputError(`package name ${JSON.stringify(name)} is invalid: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

/** Throws {@link ArtifactInputError} unless `version` is a strict semantic version (no leading `v`). */
export function assertVersion(version: string): void {
  if (version.length > 128 || semver.valid(version) !== version) {
    throw new ArtifactInputError(`version ${JSON.stringify(version)} is not a semantic version such as 1.4.2 or 2.0.0-rc.1 (no leading "v")`);
  }
}

/** Throws {@link ArtifactInputError} unless `value` is a valid `os` or `arch` (GOOS/GOARCH style). */
export function assertPlatformPart(field: 'os' | 'arch', value: string): void {
  if (!PLATFORM_PART.test(value)) {
    throw new ArtifactInputError(`${field} ${JSON.stringify(value)} is invalid: use 1-32 lowercase letters, digits or "_" (GOOS/GOARCH style such as linux, amd64; no "-")`);
  }
}

/** Throws {@link ArtifactInputError} unless `fileName` is a plain file name. */
export function assertFileName(fileName: string): void {
  if (!FILE_NAME.test(fileName) || fileName.includes('..')) {
    throw new ArtifactInputError(`file name ${JSON.stringify(fileName)} is invalid: use 1-200 letters, digits, ".", "_", "+" or "-", starting with a letter or digit (no path)`);
  }
}

/** Validates package and version. */
export function assertVersionCoordinates(c: VersionCoordinates): void {
  assertPackageName(c.package);
  assertVersion(c.version);
}

/** Validates every path segment of a file's coordinates. */
export function assertFileCoordinates(c: FileCoordinates): void {
  assertVersionCoordinates(c);
  assertPlatformPart('os', c.os);
  assertPlatformPart('arch', c.arch);
  assertFileName(c.fileName);
}

/** The platform directory name, `<os>-<arch>`. */
export function platformDir(os: string, arch: string): string {
  return `${os}-${arch}`;
}

/**
 * The download path of a file relative to the server root, as written into
 * `PackageRelease.spec.artifacts[].url`: `packages/<package>/<version>/<os>-<arch>/<file>`.
 * Segments are percent-encoded (only `+` of a semver build can need it).
 */
export function downloadPath(c: FileCoordinates): string {
  const parts = [c.package, c.version, platformDir(c.os, c.arch), c.fileName].map(encodeURIComponent);
  return `packages/${parts.join('/')}`;
}
