/**
 * Errors of the artifact store. Each carries a stable `code` and the HTTP status it maps
 * to, so the HTTP layer and the CLI report the same thing the same way.
 */

/** Stable error codes of the artifact store. */
export const ARTIFACT_ERROR_CODES = {
  input: 'E_ARTIFACT_INPUT',
  conflict: 'E_ARTIFACT_CONFLICT',
  tooLarge: 'E_ARTIFACT_TOO_LARGE',
  digest: 'E_ARTIFACT_DIGEST',
  notFound: 'E_ARTIFACT_NOT_FOUND',
  corrupt: 'E_ARTIFACT_CORRUPT',
  lock: 'E_ARTIFACT_LOCK',
  outsideRoot: 'E_ARTIFACT_OUTSIDE_ROOT',
} as const;

export type ArtifactErrorCode = (typeof ARTIFACT_ERROR_CODES)[keyof typeof ARTIFACT_ERROR_CODES];

/** Base class: `code` is stable, `status` is the HTTP status the error maps to. */
export class ArtifactError extends Error {
  readonly code: ArtifactErrorCode;
  readonly status: number;
  constructor(code: ArtifactErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactError';
    this.code = code;
    this.status = status;
  }
}

/** A name, version, platform, signature or metadata that the store cannot accept (400). Terminal. */
export class ArtifactInputError extends ArtifactError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ARTIFACT_ERROR_CODES.input, 400, message, options);
    this.name = 'ArtifactInputError';
  }
}

/**
 * The version+platform already holds different content (or a different file name,
 * signature, type, requirements or metadata). Versions are immutable (409). Terminal:
 * push a new version instead.
 */
export class ArtifactConflictError extends ArtifactError {
  constructor(message: string) {
    super(ARTIFACT_ERROR_CODES.conflict, 409, message);
    this.name = 'ArtifactConflictError';
  }
}

/** The upload exceeded the configured size limit (413). Terminal. */
export class ArtifactTooLargeError extends ArtifactError {
  readonly limit: number;
  constructor(limit: number) {
    super(ARTIFACT_ERROR_CODES.tooLarge, 413, `upload exceeds the limit of ${limit} bytes; the server's upload limit (maxUploadBytes) must be raised to accept it`);
    this.name = 'ArtifactTooLargeError';
    this.limit = limit;
  }
}

/** The uploaded bytes do not hash to the SHA-256 the client announced (400). Transient: retry the upload. */
export class ArtifactDigestError extends ArtifactError {
  constructor(expected: string, actual: string) {
    super(ARTIFACT_ERROR_CODES.digest, 400, `uploaded content has SHA-256 ${actual}, but ${expected} was announced: the upload was damaged or the wrong file was sent`);
    this.name = 'ArtifactDigestError';
  }
}

/** Stored data no longer matches its manifest, or a path escapes the store root (500). */
export class ArtifactCorruptError extends ArtifactError {
  constructor(message: string) {
    super(ARTIFACT_ERROR_CODES.corrupt, 500, message);
    this.name = 'ArtifactCorruptError';
  }
}

/** Another writer held the version's lock for longer than the lock timeout (503). Transient. */
export class ArtifactLockError extends ArtifactError {
  constructor(message: string) {
    super(ARTIFACT_ERROR_CODES.lock, 503, message);
    this.name = 'ArtifactLockError';
  }
}

/**
 * A path inside the store resolves (through a symlink) to somewhere outside it. Nothing
 * is read; over HTTP this is a plain 404, so the client learns nothing about the layout.
 */
export class ArtifactOutsideRootError extends ArtifactError {
  constructor(relativePath: string) {
    super(ARTIFACT_ERROR_CODES.outsideRoot, 404, `${relativePath} leads out of the package store through a symlink; refusing to read it`);
    this.name = 'ArtifactOutsideRootError';
  }
}
