// Input rejected before any SQL ran. It lives here, beside the root, because
// more than one lib throws it: the schema lib's validation (INVALID_DOMAIN,
// INVALID_UUID, ...) and the command bus itself (INVALID_REPLY_QUEUE,
// UNKNOWN_QUEUE, an empty batch), and a caller of `Producer.send` catches one
// class whichever layer refused its input. The PGMQ client keeps its own
// InvalidArgumentError under PgmqError, so that `instanceof PgmqError` still
// covers everything that lib throws.
import { CommandBusError } from './command-bus-error.ts';

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

  constructor(code: string, message: string, details: InvalidInputDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.field = details.field;
    this.rule = details.rule;
    this.value = details.value;
  }
}
