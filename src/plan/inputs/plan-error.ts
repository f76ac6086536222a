/**
 * Errors of `ringmaster plan`'s inputs (the inventory, the server, the status files). Each
 * carries a stable `code` and says what is wrong, where, and how to fix it. All of them end
 * the command with exit code 2: a plan built on a fleet picture it could not read would
 * mislead the reviewer.
 */
export type PlanErrorCode =
  /** The inventory file is missing, unreadable, not JSON, or not of the inventory shape. */
  | 'E_PLAN_INVENTORY'
  /** The server could not be reached, answered with an error, or sent something unexpected. */
  | 'E_PLAN_SERVER'
  /** A `status/<policy>.yaml` at base is not a policy status. */
  | 'E_PLAN_STATUS';

/** An input of the plan could not be read. */
export class PlanInputError extends Error {
  readonly code: PlanErrorCode;
  constructor(code: PlanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlanInputError';
    this.code = code;
  }
}
