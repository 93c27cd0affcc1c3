// Taking messages off a queue by id, the one way PGMQ's delete and archive
// share: the same checks, the same statement shape, only the function differs
// (archive keeps the row in pgmq.a_<queue>, delete drops it).
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { safeIntegerSchema } from './column-values.ts';
import { requireMsgId, requireMsgIds } from './input.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

/** The PGMQ function that takes a message off its queue. */
export type TakeFunction = 'delete' | 'archive';

/** One message of a queue, by id. */
export interface MessageRef {
  readonly queue: string;
  readonly msgId: number;
}

/** Many messages of one queue, by id. */
export interface MessageRefs {
  readonly queue: string;
  readonly msgIds: readonly number[];
}

const takenRow = z.object({ taken: z.boolean() });
const msgIdRow = z.object({ msg_id: safeIntegerSchema });

/** True when the message existed (and is now taken off the queue). */
export async function takeMessage(
  db: CommonQueryMethods,
  fn: TakeFunction,
  input: MessageRef,
): Promise<boolean> {
  const queue = validateQueueName(input.queue);
  const msgId = requireMsgId('msgId', input.msgId);
  const pgmqFunction = sql.identifier(['pgmq', fn]);
  const row = await onQueue(queue, () =>
    db.one(sql.type(takenRow)`SELECT ${pgmqFunction}(${queue}::text, ${msgId}::bigint) AS taken`),
  );
  return takenRow.parse(row).taken;
}

/** Takes many in one statement; returns the ids that existed, ascending. */
export async function takeMessages(
  db: CommonQueryMethods,
  fn: TakeFunction,
  input: MessageRefs,
): Promise<number[]> {
  const queue = validateQueueName(input.queue);
  const msgIds = requireMsgIds('msgIds', input.msgIds);
  if (msgIds.length === 0) return [];
  const pgmqFunction = sql.identifier(['pgmq', fn]);
  const rows = await onQueue(queue, () =>
    db.any(sql.type(msgIdRow)`
      SELECT msg_id FROM ${pgmqFunction}(${queue}::text, ${sql.array(msgIds, 'int8')}) AS taken(msg_id)
      ORDER BY msg_id
    `),
  );
  return rows.map((row) => msgIdRow.parse(row).msg_id);
}
