// The set-based core of every send: commands rows, PGMQ messages, msg ids,
// SENT audit rows and the wake-up NOTIFY, all in the caller's transaction.
import type { CommonQueryMethods } from 'slonik';
import {
  insertAuditEvents,
  insertCommands,
  notifyWorkers,
  setCommandMsgIds,
} from '@commandbus/commandbus-schema';
import { sendBatch } from '@commandbus/pgmq';
import { commandQueueName, notifyChannel } from '../names.ts';
import type { PreparedCommand } from './prepare-command.ts';

export interface EnqueueResult {
  readonly commandId: string;
  /** PGMQ msg id, or null when the command was a duplicate and nothing was enqueued. */
  readonly msgId: number | null;
  readonly duplicate: boolean;
}

/**
 * Inserting first, with ON CONFLICT DO NOTHING, is what makes duplicates safe
 * under concurrency: a second sender of the same command_id waits on the
 * unique index for the first one's commit and then inserts nothing, so only
 * the command that really was new gets a message.
 */
export async function enqueueCommands(
  tx: CommonQueryMethods,
  domain: string,
  commands: readonly PreparedCommand[],
): Promise<EnqueueResult[]> {
  const queue = commandQueueName(domain);
  const inserted = new Set(
    await insertCommands(
      tx,
      commands.map(({ envelope, maxAttempts }) => ({
        domain,
        queueName: queue,
        commandId: envelope.command_id,
        commandType: envelope.command_type,
        maxAttempts,
        replyQueue: envelope.reply_to ?? '',
        correlationId: envelope.correlation_id,
        batchId: envelope.batch_id,
      })),
    ),
  );
  const fresh = commands.filter(({ envelope }) => inserted.has(envelope.command_id));
  const msgIdByCommand = new Map<string, number>();
  if (fresh.length > 0) {
    const msgIds = await sendBatch(tx, { queue, messages: fresh.map(({ envelope }) => envelope) });
    fresh.forEach(({ envelope }, index) => {
      const msgId = msgIds[index];
      if (msgId !== undefined) msgIdByCommand.set(envelope.command_id, msgId);
    });
    const sent = fresh.map(({ envelope }) => ({
      domain,
      commandId: envelope.command_id,
      msgId: msgIdByCommand.get(envelope.command_id) ?? 0,
    }));
    await setCommandMsgIds(tx, sent);
    await insertAuditEvents(
      tx,
      fresh.map(({ envelope, maxAttempts }) => ({
        domain,
        commandId: envelope.command_id,
        eventType: 'SENT' as const,
        details: {
          msg_id: msgIdByCommand.get(envelope.command_id) ?? null,
          command_type: envelope.command_type,
          max_attempts: maxAttempts,
          ...(envelope.batch_id ? { batch_id: envelope.batch_id } : {}),
        },
      })),
    );
    await notifyWorkers(tx, { channel: notifyChannel(domain) });
  }
  return commands.map(({ envelope }) => {
    const msgId = msgIdByCommand.get(envelope.command_id);
    return { commandId: envelope.command_id, msgId: msgId ?? null, duplicate: msgId === undefined };
  });
}
