/**
 * Errors of the Git adapters (source, status writer, object reader). Each carries a stable
 * `code` for logs, status conditions and tests, and a `kind` that tells the caller what to
 * do about it (STYLE.md: classify as Flux does).
 */

export type GitErrorCode =
  /** An option is missing or malformed (bad branch name, path with `..`). */
  | 'E_GIT_OPTIONS'
  /** The work dir exists but is not one of ours, or cannot be created. */
  | 'E_GIT_WORKDIR'
  /** Fetching from the remote failed (network, auth, missing branch). */
  | 'E_GIT_FETCH'
  /** Pushing a status commit failed after every attempt. */
  | 'E_GIT_PUSH'
  /** A revision does not resolve to a commit. */
  | 'E_GIT_REVISION'
  /** A manifest file is larger than `maxFileBytes`. */
  | 'E_GIT_FILE_TOO_LARGE'
  /** The manifest folder holds more than `maxFiles` files or `maxTotalBytes` bytes. */
  | 'E_GIT_TOO_MANY_FILES'
  /** A manifest file is not valid UTF-8. */
  | 'E_GIT_FILE_ENCODING'
  /** A local git command failed. */
  | 'E_GIT_COMMAND'
  /** A policy name cannot be used as a status file name. */
  | 'E_STATUS_POLICY_NAME'
  /** The writer was used after `close()`. */
  | 'E_STATUS_CLOSED';

/**
 * `terminal`: retrying the same input cannot help (fix the repository or the options).
 * `transient`: retry with backoff (network, a busy remote, a concurrent push).
 */
export type GitErrorKind = 'terminal' | 'transient';

/** An error of the Git adapters. Messages never contain credentials. */
export class RingmasterGitError extends Error {
  readonly code: GitErrorCode;
  readonly kind: GitErrorKind;

  constructor(code: GitErrorCode, message: string, options: { cause?: unknown; kind?: GitErrorKind } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RingmasterGitError';
    this.code = code;
    this.kind = options.kind ?? 'terminal';
  }
}
