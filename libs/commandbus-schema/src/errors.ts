// This lib's errors: the codes its input validation uses, and the error a
// stored procedure raises on purpose. The root (CommandBusError) and the error
// for input refused before SQL (InvalidInputError) come from @commandbus/errors
// and are re-exported, so callers keep importing them from here.
import { CommandBusError } from '@commandbus/errors';

export { CommandBusError, InvalidInputError } from '@commandbus/errors';
export type { InvalidInputDetails } from '@commandbus/errors';

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
    this.procedure = procedure;
    this.sqlState = sqlState;
  }
}
