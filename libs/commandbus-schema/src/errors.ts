// The root of every error the command bus throws on purpose, and the error for
// input rejected before any SQL runs. Other libs extend CommandBusError.

/** Every command bus error: `instanceof`-able, with a stable machine-readable `code`. */
export class CommandBusError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CommandBusError';
    this.code = code;
  }
}

/** The codes this lib's validation uses; callers may use codes of their own. */
export const INVALID_INPUT_CODES = [
  'INVALID_DOMAIN',
  'INVALID_UUID',
  'INVALID_STATUS',
  'INVALID_EVENT_TYPE',
  'INVALID_UPDATE_TYPE',
  'INVALID_ARGUMENT',
] as const;
export type InvalidInputCode = (typeof INVALID_INPUT_CODES)[number];

export interface InvalidInputDetails extends ErrorOptions {
  /** The input field at fault (`domain`, `commandId`, `rows[3].batchId`). */
  readonly field?: string;
  /** The rule it broke, as written in the message. */
  readonly rule?: string;
  /** The offending value. */
  readonly value?: unknown;
}

/** Input rejected before any SQL ran: nothing was written. */
export class InvalidInputError extends CommandBusError {
  readonly field: string | undefined;
  readonly rule: string | undefined;
  readonly value: unknown;

  // `string & {}` keeps editor completion for the known codes while letting
  // other libs use codes of their own (INVALID_REPLY_QUEUE, ...).
  constructor(
    code: InvalidInputCode | (string & {}),
    message: string,
    details: InvalidInputDetails = {},
  ) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'InvalidInputError';
    this.field = details.field;
    this.rule = details.rule;
    this.value = details.value;
  }
}

export const STORED_PROCEDURE_ERROR_CODES = [
  'PROCEDURE_ARGUMENT_REJECTED',
  'BATCH_COUNTER_UNDERFLOW',
  'BATCH_NOT_FOUND',
] as const;
export type StoredProcedureErrorCode = (typeof STORED_PROCEDURE_ERROR_CODES)[number];

/**
 * A stored procedure refused the call with one of the errors its contract
 * documents (a p_batch_id that disagrees with the command's batch, a counter
 * that would go below zero, a batch that does not exist). The transaction the
 * call ran in is aborted, as with any database error.
 */
export class StoredProcedureError extends CommandBusError {
  readonly procedure: string;
  /** PostgreSQL's SQLSTATE, as other-language callers of the procedure see it. */
  readonly sqlState: string;

  constructor(
    code: StoredProcedureErrorCode,
    procedure: string,
    sqlState: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.name = 'StoredProcedureError';
    this.procedure = procedure;
    this.sqlState = sqlState;
  }
}
