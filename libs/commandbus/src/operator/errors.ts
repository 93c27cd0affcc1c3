// Errors only the operator throws; the shared ones (CommandNotFoundError,
// NotInTroubleshootingError, BatchNotFoundError) live in ../errors.ts.
import { CommandBusError } from '@commandbus/errors';

/**
 * A troubleshooting item whose archived payload cannot be sent again: none
 * was archived, or what was archived is not this command's envelope (the
 * INVALID_MESSAGE case). Re-sending it would only fail the same way; cancel
 * or complete the item instead.
 */
export class PayloadNotRetryableError extends CommandBusError {
  readonly commandId: string;
  readonly reason: string;
  constructor(domain: string, commandId: string, reason: string) {
    super(
      'PAYLOAD_NOT_RETRYABLE',
      `domain ${domain}: command ${commandId} cannot be retried: ${reason}; cancel or complete it instead`,
    );
    this.commandId = commandId;
    this.reason = reason;
  }
}
