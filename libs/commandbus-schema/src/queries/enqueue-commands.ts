// The producer's whole send in ONE statement: PGMQ messages, command rows with
// their msg_id, SENT audit rows and the wake-up NOTIFY. One round trip, and
// atomic on its own, so a send outside any transaction needs no BEGIN/COMMIT.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import { bigintColumn } from '../rows.ts';
import { enqueueSingleCommand } from './enqueue-single-command.ts';
import {
  assertArray,
  assertDomain,
  assertInteger,
  assertNonEmptyString,
  assertOptionalUuid,
  assertUuid,
  CHANNEL_PATTERN,
  distinctCommandGuard,
  ruleViolation,
} from '../validation.ts';

export interface EnqueueCommandInput {
  readonly commandId: string;
  readonly commandType: string;
  readonly maxAttempts: number;
  /** null when nobody wants a reply (stored as '', as V001 has it). */
  readonly replyQueue: string | null;
  readonly correlationId: string | null;
  /** The PGMQ message: the command envelope. */
  readonly message: Readonly<Record<string, unknown>>;
}

export interface EnqueueCommandsInput {
  readonly domain: string;
  readonly queue: string;
  readonly batchId: string | null;
  /** NOTIFY channel of the domain's workers. */
  readonly channel: string;
  /** Distinct command ids. */
  readonly commands: readonly EnqueueCommandInput[];
}

export interface EnqueuedCommand {
  readonly commandId: string;
  readonly msgId: number;
}

const resultRow = z.object({
  enqueued: z.array(z.object({ command_id: z.string(), msg_id: bigintColumn })),
  withdrawn: bigintColumn,
  notified: bigintColumn,
});

/**
 * Returns the commands that were new, with their msg ids; the others already
 * existed (duplicates) and have no message.
 *
 * Messages are sent first so that each command row can be inserted with its
 * msg_id in the same statement. Existing ids are filtered out up front; a
 * command that a concurrent transaction inserted meanwhile makes our INSERT
 * wait for it and then skip the row (ON CONFLICT DO NOTHING), and the message
 * we sent for it is deleted again before this statement ends, so nobody ever
 * sees it: one command, one message, whoever wins.
 *
 * The statement always yields exactly one row, which is what makes PostgreSQL
 * evaluate the `withdrawn` and `notified` parts even when nothing was new.
 */
export async function enqueueCommands(
  db: CommonQueryMethods,
  input: EnqueueCommandsInput,
): Promise<EnqueuedCommand[]> {
  assertDomain(input.domain);
  assertNonEmptyString('queue', input.queue);
  assertOptionalUuid('batchId', input.batchId);
  if (!CHANNEL_PATTERN.test(input.channel)) {
    throw ruleViolation(
      'INVALID_ARGUMENT',
      'channel',
      `must match ${CHANNEL_PATTERN.source}`,
      input.channel,
    );
  }
  assertArray('commands', input.commands);
  const assertOnce = distinctCommandGuard();
  input.commands.forEach((command, i) => {
    assertUuid(`commands[${i}].commandId`, command.commandId);
    assertOnce(`commands[${i}].commandId`, input.domain, command.commandId);
    assertNonEmptyString(`commands[${i}].commandType`, command.commandType);
    assertInteger(`commands[${i}].maxAttempts`, command.maxAttempts, { min: 1 });
    assertOptionalUuid(`commands[${i}].correlationId`, command.correlationId);
  });
  const { commands } = input;
  if (commands.length === 0) return [];
  // Every Producer.send: the same writes by a statement that is much cheaper for one row.
  if (commands.length === 1 && commands[0]) return enqueueSingleCommand(db, input, commands[0]);

  const commandIds = sql.array(
    commands.map((c) => c.commandId),
    'uuid',
  );
  const row = await db.one(statement('commandbus_enqueue_commands', resultRow)`
    WITH input AS MATERIALIZED (
      SELECT t.*
        FROM unnest(
               ${commandIds},
               ${sql.array(
                 commands.map((c) => c.commandType),
                 'text',
               )},
               ${sql.array(
                 commands.map((c) => c.maxAttempts),
                 'int4',
               )},
               ${sql.array(
                 commands.map((c) => c.replyQueue ?? ''),
                 'text',
               )},
               ${sql.array(
                 commands.map((c) => c.correlationId),
                 'uuid',
               )},
               ${sql.array(
                 commands.map((c) => JSON.stringify(c.message)),
                 'jsonb',
               )}
             ) WITH ORDINALITY AS t(command_id, command_type, max_attempts, reply_queue, correlation_id, message, ord)
       -- Existing ids by one index lookup each (evaluated once): an
       -- anti-join here would scan every command of the domain.
       WHERE t.command_id <> ALL (ARRAY(
               SELECT c.command_id FROM commandbus.command AS c
                WHERE c.domain = ${input.domain} AND c.command_id = ANY(${commandIds})))
    ), sent AS MATERIALIZED (
      SELECT i.*, s.msg_id
        -- The overload with every argument given: the shorter ones are SQL
        -- wrappers around it, planned again on every call.
        FROM pgmq.send_batch(${input.queue}, ARRAY(SELECT message FROM input ORDER BY ord),
                             NULL::jsonb[], clock_timestamp())
             WITH ORDINALITY AS s(msg_id, n)
        JOIN (SELECT input.*, row_number() OVER (ORDER BY ord) AS n FROM input) AS i USING (n)
    ), inserted AS (
      INSERT INTO commandbus.command (
        domain, queue_name, msg_id, command_id, command_type, status, attempts,
        max_attempts, reply_queue, correlation_id, batch_id)
      SELECT ${input.domain}, ${input.queue}, s.msg_id, s.command_id, s.command_type, 'PENDING', 0,
             s.max_attempts, s.reply_queue, s.correlation_id, ${input.batchId}::uuid
        FROM sent AS s
       -- In command_id order, like every multi-row statement of the bus: two
       -- senders of overlapping ids then wait for each other instead of deadlocking.
       ORDER BY s.command_id
      ON CONFLICT (domain, command_id) DO NOTHING
      RETURNING command_id, msg_id, command_type, max_attempts
    ), lost AS (
      SELECT ARRAY(
               SELECT s.msg_id FROM sent AS s
                WHERE NOT EXISTS (SELECT 1 FROM inserted AS i WHERE i.command_id = s.command_id)
             ) AS msg_ids
    ), withdrawn AS (
      -- Nearly always nothing to withdraw: then pgmq.delete is not called.
      SELECT CASE WHEN cardinality(l.msg_ids) = 0 THEN 0
                  ELSE (SELECT count(*) FROM pgmq.delete(${input.queue}, l.msg_ids))
             END AS n
        FROM lost AS l
    ), audited AS (
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      SELECT ${input.domain}, i.command_id, 'SENT',
             jsonb_strip_nulls(jsonb_build_object(
               'msg_id', i.msg_id, 'command_type', i.command_type,
               'max_attempts', i.max_attempts, 'batch_id', ${input.batchId}::uuid))
        FROM inserted AS i
    ), notified AS (
      SELECT pg_notify(${input.channel}, '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_new
    )
    SELECT COALESCE((SELECT json_agg(json_build_object('command_id', command_id, 'msg_id', msg_id)) FROM inserted), '[]'::json) AS enqueued,
           (SELECT n FROM withdrawn) AS withdrawn,
           (SELECT count(*) FROM notified) AS notified
  `);
  const parsed = resultRow.parse(row);
  return parsed.enqueued.map((e) => ({ commandId: e.command_id, msgId: e.msg_id }));
}
