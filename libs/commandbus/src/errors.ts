// Errors of the command bus API. Handlers throw the first four to say how a
// command ended; the rest are what the API throws at its callers.
import { CommandBusError } from '@commandbus/errors';

/** Try again later (also what any unknown exception from a handler means). */
export class TransientCommandError extends CommandBusError {}

/** Retrying cannot help: straight to the troubleshooting queue. */
export class PermanentCommandError extends CommandBusError {}

/** The handler decided the command should not be carried out: CANCELED, reply CANCELED. */
export class CancelCommandError extends CommandBusError {
  constructor(reason: string) {
    super('CANCELED_BY_HANDLER', reason);
  }
}

/**
 * A business rule refuses the command: it ends FAILED at once (no retry, not
 * the troubleshooting queue), audited BUSINESS_RULE_FAILED, counted in its
 * batch's failed_count, and the sender gets a FAILED reply with `code`,
 * the message and `details`.
 */
export class BusinessRuleError extends CommandBusError {
  readonly details: Readonly<Record<string, unknown>>;
  constructor(code: string, message: string, details: Readonly<Record<string, unknown>> = {}) {
    super(code, message);
    this.details = details;
  }
}

export class PayloadTooLargeError extends CommandBusError {
  constructor(commandId: string, bytes: number, limit: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `command ${commandId}: data is ${bytes} bytes serialised, over the limit of ${limit}`,
    );
  }
}

/** A batch must consist of new commands, or its counters could never add up. */
export class DuplicateCommandError extends CommandBusError {
  readonly commandIds: readonly string[];
  constructor(domain: string, commandIds: readonly string[]) {
    super(
      'DUPLICATE_COMMAND',
      `domain ${domain}: command_id already exists: ${commandIds.slice(0, 5).join(', ')}${
        commandIds.length > 5 ? ` and ${commandIds.length - 5} more` : ''
      }`,
    );
    this.commandIds = commandIds;
  }
}

/** A batch id is used once per domain: a second createBatch with it writes nothing. */
export class DuplicateBatchError extends CommandBusError {
  readonly batchId: string;
  constructor(domain: string, batchId: string, options?: ErrorOptions) {
    super('DUPLICATE_BATCH', `domain ${domain}: batch_id already exists: ${batchId}`, options);
    this.batchId = batchId;
  }
}

export class ConfigError extends CommandBusError {
  constructor(message: string) {
    super('INVALID_CONFIG', message);
  }
}

export class CommandNotFoundError extends CommandBusError {
  constructor(domain: string, commandId: string) {
    super('COMMAND_NOT_FOUND', `domain ${domain}: no command ${commandId}`);
  }
}

export class BatchNotFoundError extends CommandBusError {
  constructor(domain: string, batchId: string) {
    super('BATCH_NOT_FOUND', `domain ${domain}: no batch ${batchId}`);
  }
}

/** An operator action on a command that is not in the troubleshooting queue. */
export class NotInTroubleshootingError extends CommandBusError {
  readonly status: string;
  constructor(domain: string, commandId: string, status: string) {
    super(
      'NOT_IN_TROUBLESHOOTING',
      `domain ${domain}: command ${commandId} is ${status}, not IN_TROUBLESHOOTING_QUEUE`,
    );
    this.status = status;
  }
}
