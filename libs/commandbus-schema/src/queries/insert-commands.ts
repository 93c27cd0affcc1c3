// Command rows without PGMQ messages, one statement for any number of rows:
// for tools and tests that need commands in place. Producers send with
// enqueueCommands, which writes the rows and their messages together.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import {
  assertArray,
  assertDomain,
  assertInteger,
  assertMsgId,
  assertNonEmptyString,
  assertOptionalString,
  assertOptionalUuid,
  assertUuid,
} from '../validation.ts';

export interface InsertCommandInput {
  readonly domain: string;
  readonly queueName: string;
  readonly commandId: string;
  readonly commandType: string;
  readonly maxAttempts: number;
  /** null or omitted when nobody wants a reply (stored as '', the column default). */
  readonly replyQueue?: string | null;
  readonly correlationId?: string | null;
  readonly batchId?: string | null;
  /** The PGMQ message of the command, when it has one already. */
  readonly msgId?: number | null;
}

/**
 * Inserts the rows as PENDING with 0 attempts and returns the command ids that
 * were new. A `(domain, command_id)` that already exists is skipped (ON
 * CONFLICT DO NOTHING), so ids missing from the result are the duplicates;
 * a concurrent sender of the same id waits for the first one's commit and
 * then inserts nothing. The result is in no particular order.
 */
export async function insertCommands(
  db: CommonQueryMethods,
  rows: readonly InsertCommandInput[],
): Promise<string[]> {
  assertArray('rows', rows);
  rows.forEach((row, i) => {
    assertDomain(row.domain, `rows[${i}].domain`);
    assertNonEmptyString(`rows[${i}].queueName`, row.queueName);
    assertUuid(`rows[${i}].commandId`, row.commandId);
    assertNonEmptyString(`rows[${i}].commandType`, row.commandType);
    assertInteger(`rows[${i}].maxAttempts`, row.maxAttempts, { min: 1 });
    assertOptionalString(`rows[${i}].replyQueue`, row.replyQueue);
    assertOptionalUuid(`rows[${i}].correlationId`, row.correlationId);
    assertOptionalUuid(`rows[${i}].batchId`, row.batchId);
    if (row.msgId != null) assertMsgId(`rows[${i}].msgId`, row.msgId);
  });
  if (rows.length === 0) return [];

  const inserted = await db.anyFirst(sql.type(z.object({ command_id: z.string() }))`
    INSERT INTO commandbus.command (
      domain, queue_name, msg_id, command_id, command_type, status, attempts,
      max_attempts, reply_queue, correlation_id, batch_id
    )
    SELECT t.domain, t.queue_name, t.msg_id, t.command_id, t.command_type, 'PENDING', 0,
           t.max_attempts, t.reply_queue, t.correlation_id, t.batch_id
      FROM ${sql.unnest(
        rows.map((row) => [
          row.domain,
          row.queueName,
          row.msgId ?? null,
          row.commandId,
          row.commandType,
          row.maxAttempts,
          row.replyQueue ?? '',
          row.correlationId ?? null,
          row.batchId ?? null,
        ]),
        ['text', 'text', 'int8', 'uuid', 'text', 'int4', 'text', 'uuid', 'uuid'],
      )} AS t(domain, queue_name, msg_id, command_id, command_type, max_attempts, reply_queue, correlation_id, batch_id)
    ON CONFLICT (domain, command_id) DO NOTHING
    RETURNING command_id
  `);
  return z.array(z.string()).parse(inserted);
}
