// Deleting messages: the normal end of a successfully handled message.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { safeIntegerSchema } from './column-values.ts';
import { requireMsgId, requireMsgIds } from './input.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface DeleteMessageInput {
  readonly queue: string;
  readonly msgId: number;
}

export interface DeleteMessagesInput {
  readonly queue: string;
  readonly msgIds: readonly number[];
}

const deletedRow = z.object({ deleted: z.boolean() });
const msgIdRow = z.object({ msg_id: safeIntegerSchema });

/** True when the message existed (and is now gone). */
export async function deleteMessage(
  db: CommonQueryMethods,
  input: DeleteMessageInput,
): Promise<boolean> {
  const queue = validateQueueName(input.queue);
  const msgId = requireMsgId('msgId', input.msgId);
  const row = await onQueue(queue, () =>
    db.one(sql.type(deletedRow)`SELECT pgmq.delete(${queue}::text, ${msgId}::bigint) AS deleted`),
  );
  return deletedRow.parse(row).deleted;
}

/** Deletes many in one statement; returns the ids that existed, ascending. */
export async function deleteMessages(
  db: CommonQueryMethods,
  input: DeleteMessagesInput,
): Promise<number[]> {
  const queue = validateQueueName(input.queue);
  const msgIds = requireMsgIds('msgIds', input.msgIds);
  if (msgIds.length === 0) return [];
  const rows = await onQueue(queue, () =>
    db.any(sql.type(msgIdRow)`
      SELECT msg_id FROM pgmq.delete(${queue}::text, ${sql.array(msgIds, 'int8')}) AS deleted(msg_id)
      ORDER BY msg_id
    `),
  );
  return rows.map((row) => msgIdRow.parse(row).msg_id);
}
