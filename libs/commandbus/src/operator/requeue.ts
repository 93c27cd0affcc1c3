// Operator retry, set-based for one item or many: re-send each archived
// envelope as a new PGMQ message, back to PENDING with attempts 0, audit
// OPERATOR_RETRY, sp_tsq_retry for each batch, and wake the domain's workers.
import type { CommonQueryMethods } from 'slonik';
import {
  type ArchivedPayloadRow,
  CommandBusError,
  type CommandRow,
  insertAuditEvents,
  notifyWorkers,
  requeueCommands,
  tsqRetryEach,
} from '@commandbus/commandbus-schema';
import { sendBatch } from '@commandbus/pgmq';
import { completeEnvelope, incomingEnvelopeSchema, type CommandEnvelope } from '../envelope.ts';
import { notifyChannel } from '../names.ts';
import { actorDetails } from './troubleshooting-item.ts';

export interface RetryableItem {
  /** Locked, and IN_TROUBLESHOOTING_QUEUE. */
  readonly row: CommandRow;
  readonly envelope: CommandEnvelope;
}

export interface RequeuedItem {
  readonly commandId: string;
  readonly msgId: number;
  readonly batchId: string | null;
}

/**
 * The archived payload is re-sent only when it is this command's own
 * envelope: a broken message archived as it came (INVALID_MESSAGE) would
 * fail again the same way. A Python-shaped envelope (from PGMQ's archive) is
 * completed from the row, so the new message has every field of both shapes.
 * Returns the envelope, or why it cannot be used.
 */
export function retryableEnvelope(
  row: CommandRow,
  archived: ArchivedPayloadRow | null | undefined,
): { envelope: CommandEnvelope } | { reason: string } {
  if (!archived) return { reason: 'no payload was archived for it' };
  const parsed = incomingEnvelopeSchema.safeParse(archived.payload);
  if (!parsed.success) {
    return { reason: 'its archived payload is not a valid command envelope' };
  }
  if (parsed.data.command_id !== row.commandId || parsed.data.domain !== row.domain) {
    return { reason: 'its archived payload names another command' };
  }
  const { envelope, disagreement } = completeEnvelope(parsed.data, row);
  if (disagreement) return { reason: `its archived payload: ${disagreement}` };
  return { envelope };
}

/** Call inside the transaction that locked every row. Returns the new msg ids. */
export async function requeueItems(
  tx: CommonQueryMethods,
  domain: string,
  items: readonly RetryableItem[],
  actor: string | undefined,
): Promise<RequeuedItem[]> {
  if (items.length === 0) return [];
  const sent = await sendEnvelopes(tx, items);
  const requeued = await requeueCommands(
    tx,
    sent.map(({ row, msgId }) => ({ domain, commandId: row.commandId, msgId })),
  );
  if (requeued.length !== items.length) {
    // Unreachable while the rows are locked and checked; if it happens, the
    // transaction must not commit messages for commands that did not change.
    throw new CommandBusError(
      'INTERNAL',
      `operator retry: ${items.length - requeued.length} of ${items.length} commands left the troubleshooting queue under lock`,
    );
  }
  await insertAuditEvents(
    tx,
    sent.map(({ row, msgId }) => ({
      domain,
      commandId: row.commandId,
      eventType: 'OPERATOR_RETRY' as const,
      details: {
        msg_id: msgId,
        previous_msg_id: row.msgId,
        previous_attempts: row.attempts,
        ...actorDetails(actor),
      },
    })),
  );
  // Each retried command of a batch leaves its in_troubleshooting_count once.
  await tsqRetryEach(tx, {
    domain,
    batchIds: items.flatMap(({ row }) => (row.batchId === null ? [] : [row.batchId])),
  });
  // Delivered on commit only, so a worker never wakes before the message is visible.
  await notifyWorkers(tx, { channel: notifyChannel(domain) });
  return sent.map(({ row, msgId }) => ({ commandId: row.commandId, msgId, batchId: row.batchId }));
}

/** One pgmq.send_batch per queue (in practice the domain's command queue). */
async function sendEnvelopes(
  tx: CommonQueryMethods,
  items: readonly RetryableItem[],
): Promise<{ row: CommandRow; msgId: number }[]> {
  const sent: { row: CommandRow; msgId: number }[] = [];
  for (const [queue, group] of Map.groupBy(items, ({ row }) => row.queueName)) {
    const msgIds = await sendBatch(tx, { queue, messages: group.map(({ envelope }) => envelope) });
    group.forEach(({ row }, i) => {
      const msgId = msgIds[i];
      if (msgId === undefined) {
        throw new CommandBusError(
          'INTERNAL',
          `pgmq.send_batch returned ${msgIds.length} ids for ${group.length} messages`,
        );
      }
      sent.push({ row, msgId });
    });
  }
  return sent;
}
