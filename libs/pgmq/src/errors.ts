// The errors this client throws on purpose. Each has a stable `code`, so
// callers branch on codes (or `instanceof`), never on message text.
import { CommandBusError } from '@commandbus/errors';

export const PGMQ_ERROR_CODES = [
  'INVALID_QUEUE_NAME',
  'INVALID_ARGUMENT',
  'QUEUE_NOT_FOUND',
] as const;
export type PgmqErrorCode = (typeof PGMQ_ERROR_CODES)[number];

/** Root of every error thrown by `@commandbus/pgmq`; a CommandBusError like every other. */
export class PgmqError extends CommandBusError<PgmqErrorCode> {}

/** A queue name PGMQ would refuse (or could not turn into a table name). No SQL ran. */
export class InvalidQueueNameError extends PgmqError {
  readonly queue: unknown;
  readonly rule: string;

  constructor(queue: unknown, rule: string) {
    super('INVALID_QUEUE_NAME', `invalid queue name ${describe(queue)}: ${rule}`);
    this.queue = queue;
    this.rule = rule;
  }
}

/** Any other input rejected before SQL ran: nothing was read or written. */
export class InvalidArgumentError extends PgmqError {
  readonly field: string;
  readonly rule: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, rule: string, options?: ErrorOptions) {
    super('INVALID_ARGUMENT', `invalid ${field} ${describe(value)}: ${rule}`, options);
    this.field = field;
    this.rule = rule;
    this.value = value;
  }
}

/** The queue's table does not exist: nobody created the queue (or it was dropped). */
export class QueueNotFoundError extends PgmqError {
  readonly queue: string;

  constructor(queue: string, options?: ErrorOptions) {
    super('QUEUE_NOT_FOUND', `queue ${JSON.stringify(queue)} does not exist`, options);
    this.queue = queue;
  }
}

// Messages quote the offending value, but never dump a huge payload into logs.
function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
