// The send of ONE command, the common case of Producer.send: the same rows,
// message, audit and NOTIFY as the set-based enqueue, with scalar parameters.
// Unnesting six arrays, numbering the rows and joining them back to their
// msg ids cost more than the writes themselves for a single row: about half
// of a single send's database time.
import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import { bigintColumn } from '../rows.ts';
import type {
  EnqueueCommandInput,
  EnqueueCommandsInput,
  EnqueuedCommand,
} from './enqueue-commands.ts';

// `withdrawn` and `notified` are selected only so that PostgreSQL evaluates
// those parts; the parse keeps (and checks) just the msg id, on every send.
const resultRow = z.object({ msg_id: bigintColumn.nullable() });

/**
 * Returns the command with its msg id when it was new, nothing when it
 * already existed. `input` has been validated by enqueueCommands.
 *
 * The existence check is a pseudo-constant condition, so PostgreSQL gates
 * pgmq.send on it and a duplicate never even draws a msg id. A command that a
 * concurrent transaction inserted after that check makes our INSERT wait and
 * then skip the row (ON CONFLICT DO NOTHING); the message already sent is then
 * deleted before the statement ends, so nobody ever sees it.
 */
export async function enqueueSingleCommand(
  db: CommonQueryMethods,
  input: EnqueueCommandsInput,
  command: EnqueueCommandInput,
): Promise<EnqueuedCommand[]> {
  const row = await db.one(statement('commandbus_enqueue_single_command', resultRow)`
    WITH sent AS MATERIALIZED (
      SELECT s.msg_id
        -- The overload with every argument given: the shorter ones are SQL
        -- wrappers around it, planned again on every call.
        FROM pgmq.send(${input.queue}, ${JSON.stringify(command.message)}::jsonb,
                       ${input.headers ? JSON.stringify(input.headers) : null}::jsonb,
                       clock_timestamp()) AS s(msg_id)
       WHERE NOT EXISTS (SELECT 1 FROM commandbus.command AS c
                          WHERE c.domain = ${input.domain} AND c.command_id = ${command.commandId}::uuid)
    ), inserted AS (
      INSERT INTO commandbus.command (
        domain, queue_name, msg_id, command_id, command_type, status, attempts,
        max_attempts, reply_queue, correlation_id, batch_id)
      SELECT ${input.domain}, ${input.queue}, s.msg_id, ${command.commandId}::uuid,
             ${command.commandType}, 'PENDING', 0, ${command.maxAttempts}::int4,
             ${command.replyQueue ?? ''}, ${command.correlationId}::uuid, ${input.batchId}::uuid
        FROM sent AS s
      ON CONFLICT (domain, command_id) DO NOTHING
      RETURNING msg_id
    ), withdrawn AS (
      SELECT count(*) AS n
        FROM sent AS s, pgmq.delete(${input.queue}, s.msg_id) AS deleted
       WHERE NOT EXISTS (SELECT 1 FROM inserted)
    ), audited AS (
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      SELECT ${input.domain}, ${command.commandId}::uuid, 'SENT',
             -- What jsonb_strip_nulls would leave, without the null batch_id to strip.
             CASE WHEN ${input.batchId}::uuid IS NULL
                  THEN jsonb_build_object('msg_id', i.msg_id, 'command_type', ${command.commandType}::text,
                                          'max_attempts', ${command.maxAttempts}::int4)
                  ELSE jsonb_build_object('msg_id', i.msg_id, 'command_type', ${command.commandType}::text,
                                          'max_attempts', ${command.maxAttempts}::int4,
                                          'batch_id', ${input.batchId}::uuid)
             END
        FROM inserted AS i
    ), notified AS (
      SELECT pg_notify(${input.channel}, '') FROM inserted
    )
    SELECT (SELECT msg_id FROM inserted) AS msg_id,
           (SELECT n FROM withdrawn) AS withdrawn,
           (SELECT count(*) FROM notified) AS notified
  `);
  const { msg_id: msgId } = resultRow.parse(row);
  return msgId === null ? [] : [{ commandId: command.commandId, msgId }];
}
