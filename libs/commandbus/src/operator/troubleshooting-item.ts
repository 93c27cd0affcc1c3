// The first step of every operator action, inside its transaction: the command
// row, locked, and proof that it is (still) in the troubleshooting queue.
import type { CommonQueryMethods } from 'slonik';
import { lockCommand, type CommandRow } from '@commandbus/commandbus-schema';
import { CommandNotFoundError, NotInTroubleshootingError } from '../errors.ts';
import type { ReplyTarget } from '../worker/reply.ts';

/**
 * Of two operators acting on one item at once, the second waits on the row
 * lock and then sees the first one's result here, so it fails with
 * NotInTroubleshootingError naming the new status instead of acting twice.
 */
export async function lockTroubleshootingItem(
  tx: CommonQueryMethods,
  domain: string,
  commandId: string,
): Promise<CommandRow> {
  const row = await lockCommand(tx, { domain, commandId });
  if (!row) throw new CommandNotFoundError(domain, commandId);
  if (row.status !== 'IN_TROUBLESHOOTING_QUEUE') {
    throw new NotInTroubleshootingError(domain, commandId, row.status);
  }
  return row;
}

/** Where the command's reply goes: the queue its sender named, or null for none. */
export function replyTargetOf(row: CommandRow): ReplyTarget {
  return {
    domain: row.domain,
    commandId: row.commandId,
    commandType: row.commandType,
    correlationId: row.correlationId,
    replyTo: row.replyQueue,
  };
}

/** Audit details shared by every operator event: who acted, when an actor is known. */
export function actorDetails(actor: string | undefined): Record<string, unknown> {
  return actor === undefined ? {} : { operator: actor };
}
