// Archiving messages: like delete, but the row moves to pgmq.a_<queue>, so
// the payload stays readable for inspection.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { safeIntegerSchema } from './column-values.ts';
import { requireMsgId, requireMsgIds } from './input.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface ArchiveInput {
  readonly queue: string;
  readonly msgId: number;
}

export interface ArchiveMessagesInput {
  readonly queue: string;
  readonly msgIds: readonly number[];
}

const archivedRow = z.object({ archived: z.boolean() });
const msgIdRow = z.object({ msg_id: safeIntegerSchema });

/** True when the message existed (and is now in the archive). */
export async function archive(db: CommonQueryMethods, input: ArchiveInput): Promise<boolean> {
  const queue = validateQueueName(input.queue);
  const msgId = requireMsgId('msgId', input.msgId);
  const row = await onQueue(queue, () =>
    db.one(
      sql.type(archivedRow)`SELECT pgmq.archive(${queue}::text, ${msgId}::bigint) AS archived`,
    ),
  );
  return archivedRow.parse(row).archived;
}

/** Archives many in one statement; returns the ids that existed, ascending. */
export async function archiveMessages(
  db: CommonQueryMethods,
  input: ArchiveMessagesInput,
): Promise<number[]> {
  const queue = validateQueueName(input.queue);
  const msgIds = requireMsgIds('msgIds', input.msgIds);
  if (msgIds.length === 0) return [];
  const rows = await onQueue(queue, () =>
    db.any(sql.type(msgIdRow)`
      SELECT msg_id FROM pgmq.archive(${queue}::text, ${sql.array(msgIds, 'int8')}) AS archived(msg_id)
      ORDER BY msg_id
    `),
  );
  return rows.map((row) => msgIdRow.parse(row).msg_id);
}
