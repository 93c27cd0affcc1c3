// An operator's final decision on a troubleshooting item: cancel it or mark it
// completed. Each runs in the transaction that locked the row and checked it is
// IN_TROUBLESHOOTING_QUEUE, and ends with the reply the sender asked for.
//
// Not sp_finish_command: from IN_TROUBLESHOOTING_QUEUE it already applies
// tsq_complete / tsq_cancel itself, so pairing it with sp_tsq_* would count the
// command twice. The guarded status change plus sp_tsq_* is the operator path.
import type { CommonQueryMethods } from 'slonik';
import {
  CommandBusError,
  insertAuditEvents,
  transitionCommand,
  tsqCancel,
  tsqComplete,
  type CommandRow,
} from '@commandbus/commandbus-schema';
import { sendReply } from '../worker/reply.ts';
import { actorDetails, replyTargetOf } from './troubleshooting-item.ts';
import type { ResolveResult } from './types.ts';

/** CANCELED, audit OPERATOR_CANCEL, sp_tsq_cancel, reply CANCELED. */
export async function cancelItem(
  tx: CommonQueryMethods,
  row: CommandRow,
  reason: string,
  actor: string | undefined,
): Promise<ResolveResult> {
  await moveOutOfTroubleshooting(tx, row, 'CANCELED');
  const target = replyTargetOf(row);
  await insertAuditEvents(tx, [
    {
      domain: row.domain,
      commandId: row.commandId,
      eventType: 'OPERATOR_CANCEL',
      details: { reason, reply_to: target.replyTo, ...actorDetails(actor) },
    },
  ]);
  const batchCompleted = await tsqCancel(tx, { domain: row.domain, batchId: row.batchId });
  await sendReply(tx, target, {
    outcome: 'CANCELED',
    error: { type: 'CANCELED', code: 'CANCELED_BY_OPERATOR', message: reason },
  });
  return resultOf(row, 'CANCELED', batchCompleted, target.replyTo);
}

/** COMPLETED, audit OPERATOR_COMPLETE, sp_tsq_complete, reply SUCCESS with `resultData`. */
export async function completeItem(
  tx: CommonQueryMethods,
  row: CommandRow,
  resultData: Record<string, unknown> | null,
  actor: string | undefined,
): Promise<ResolveResult> {
  await moveOutOfTroubleshooting(tx, row, 'COMPLETED');
  const target = replyTargetOf(row);
  await insertAuditEvents(tx, [
    {
      domain: row.domain,
      commandId: row.commandId,
      eventType: 'OPERATOR_COMPLETE',
      details: { result_data: resultData, reply_to: target.replyTo, ...actorDetails(actor) },
    },
  ]);
  const batchCompleted = await tsqComplete(tx, { domain: row.domain, batchId: row.batchId });
  await sendReply(tx, target, { outcome: 'SUCCESS', data: resultData });
  return resultOf(row, 'COMPLETED', batchCompleted, target.replyTo);
}

async function moveOutOfTroubleshooting(
  tx: CommonQueryMethods,
  row: CommandRow,
  to: 'CANCELED' | 'COMPLETED',
): Promise<void> {
  const moved = await transitionCommand(tx, {
    domain: row.domain,
    commandId: row.commandId,
    from: 'IN_TROUBLESHOOTING_QUEUE',
    to,
  });
  if (!moved) {
    // Unreachable while the row is locked and was checked.
    throw new CommandBusError(
      'INTERNAL',
      `command ${row.commandId} left the troubleshooting queue under lock`,
    );
  }
}

function resultOf(
  row: CommandRow,
  status: 'CANCELED' | 'COMPLETED',
  batchCompleted: boolean,
  replyQueue: string | null,
): ResolveResult {
  return {
    domain: row.domain,
    commandId: row.commandId,
    status,
    batchId: row.batchId,
    batchCompleted,
    replyQueue,
  };
}
