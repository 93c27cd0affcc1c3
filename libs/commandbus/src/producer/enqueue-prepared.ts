// Every send comes down to this: one statement that enqueues the prepared
// commands and reports the ones that already existed as duplicates.
import type { CommonQueryMethods } from 'slonik';
import { enqueueCommands } from '@commandbus/commandbus-schema';
import { commandQueueName, notifyChannel } from '../names.ts';
import type { PreparedCommand } from './prepare-command.ts';

/** What `send`, `sendBatch` and `createBatch` report for each command. */
export interface SendResult {
  readonly commandId: string;
  /** PGMQ msg id, or null when the command was a duplicate and nothing was enqueued. */
  readonly msgId: number | null;
  readonly duplicate: boolean;
}

export async function enqueuePrepared(
  db: CommonQueryMethods,
  domain: string,
  batchId: string | null,
  commands: readonly PreparedCommand[],
  /** PGMQ headers of every message: the send span's trace context. */
  headers: Readonly<Record<string, string>> | null = null,
): Promise<SendResult[]> {
  const enqueued = await enqueueCommands(db, {
    domain,
    headers,
    queue: commandQueueName(domain),
    batchId,
    channel: notifyChannel(domain),
    commands: commands.map(({ envelope, maxAttempts }) => ({
      commandId: envelope.command_id,
      commandType: envelope.command_type,
      maxAttempts,
      replyQueue: envelope.reply_to,
      correlationId: envelope.correlation_id,
      message: envelope,
    })),
  });
  const [only] = commands;
  if (commands.length === 1 && only) {
    const msgId = enqueued[0]?.msgId ?? null;
    return [{ commandId: only.envelope.command_id, msgId, duplicate: msgId === null }];
  }
  const msgIds = new Map(enqueued.map((e) => [e.commandId, e.msgId]));
  return commands.map(({ envelope }) => {
    const msgId = msgIds.get(envelope.command_id);
    return { commandId: envelope.command_id, msgId: msgId ?? null, duplicate: msgId === undefined };
  });
}
