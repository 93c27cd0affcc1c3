// Moving a message's visibility: extend a lease (heartbeat), or end it early
// (vt 0) to have the message delivered again now.
import { sql, type CommonQueryMethods } from 'slonik';
import { requireMsgId, requireSeconds } from './input.ts';
import { messageRowSchema, toPgmqMessage, type PgmqMessage } from './message-schema.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface SetVtInput {
  readonly queue: string;
  readonly msgId: number;
  /** The message becomes visible this many whole seconds from now. */
  readonly vt: number;
}

/** Returns the updated message, or null when no message has that id. */
export async function setVt(
  db: CommonQueryMethods,
  input: SetVtInput,
): Promise<PgmqMessage | null> {
  const queue = validateQueueName(input.queue);
  const msgId = requireMsgId('msgId', input.msgId);
  const vt = requireSeconds('vt', input.vt);
  const row = await onQueue(queue, () =>
    db.maybeOne(sql.type(messageRowSchema)`
      SELECT msg_id, read_ct, enqueued_at, vt, message, headers
      FROM pgmq.set_vt(${queue}::text, ${msgId}::bigint, ${vt}::integer)
    `),
  );
  return row === null ? null : toPgmqMessage(row);
}
