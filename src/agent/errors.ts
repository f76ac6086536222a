/**
 * Errors of the reference agent. Every failure the agent reports to the server or to the
 * operator carries a stable `code`, so tests, logs and dashboards can match on it.
 */

/** Stable error codes; they prefix every reported `error_message`. */
export type AgentErrorCode =
  | 'E_AGENT_CONFIG'
  | 'E_AGENT_STATE'
  | 'E_DOWNLOAD'
  | 'E_DOWNLOAD_TOO_LARGE'
  | 'E_CONTENT_HASH'
  | 'E_SIGNATURE'
  | 'E_UNSIGNED'
  | 'E_NO_FILE'
  | 'E_BAD_OFFER'
  | 'E_VALIDATE'
  | 'E_START'
  | 'E_HEALTH'
  | 'E_INSTALL'
  | 'E_ABORTED';

/** An expected failure of the agent; `message` is what the server sees as `error_message`. */
export class AgentError extends Error {
  readonly code: AgentErrorCode;
  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

/** The message of any thrown value, for reports and logs. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
