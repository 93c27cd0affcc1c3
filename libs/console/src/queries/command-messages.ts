// A command's messages as PGMQ holds them: the current message (in its queue,
// or archived) and the reply sent for it. Each lookup reads one queue table
// with a limit, under the request's statement_timeout.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { listQueueNames } from './queue-stats.ts';

export interface QueueMessage {
  readonly queueName: string;
  /** "queue": waiting or leased; "archive": archived by PGMQ. */
  readonly place: 'queue' | 'archive';
  readonly msgId: string;
  readonly readCount: number;
  readonly enqueuedAt: Date;
  readonly message: unknown;
}

const messageRow = z.object({
  msg_id: z.union([z.bigint(), z.number(), z.string()]).transform(String),
  read_ct: z.number(),
  enqueued_at: z.coerce.date(),
  message: z.unknown(),
});

async function findIn(
  db: CommonQueryMethods,
  queueName: string,
  where: (table: 'q' | 'a') => ReturnType<typeof sql.fragment>,
): Promise<QueueMessage | null> {
  for (const place of ['queue', 'archive'] as const) {
    const prefix = place === 'queue' ? 'q' : 'a';
    const row = await db.maybeOne(sql.type(messageRow)`
      SELECT msg_id, read_ct, enqueued_at, message
        FROM ${sql.identifier(['pgmq', `${prefix}_${queueName}`])}
       WHERE ${where(prefix)}
       ORDER BY msg_id DESC
       LIMIT 1
    `);
    if (row) {
      const parsed = messageRow.parse(row);
      return {
        queueName,
        place,
        msgId: parsed.msg_id,
        readCount: parsed.read_ct,
        enqueuedAt: parsed.enqueued_at,
        message: parsed.message,
      };
    }
  }
  return null;
}

export async function commandMessages(
  db: CommonQueryMethods,
  command: {
    readonly commandId: string;
    readonly queueName: string;
    readonly msgId: number | null;
    readonly replyQueue: string | null;
  },
): Promise<{ message: QueueMessage | null; reply: QueueMessage | null }> {
  const queues = new Set(await listQueueNames(db));
  const msgId = command.msgId;
  const message =
    msgId !== null && queues.has(command.queueName)
      ? await findIn(db, command.queueName, () => sql.fragment`msg_id = ${msgId}`)
      : null;
  // Replies are not indexed by command id: the lookup reads the reply queue
  // (and its archive) until it finds the reply, within the statement timeout.
  const reply =
    command.replyQueue !== null && queues.has(command.replyQueue)
      ? await findIn(
          db,
          command.replyQueue,
          () => sql.fragment`message->>'command_id' = ${command.commandId}`,
        )
      : null;
  return { message, reply };
}
