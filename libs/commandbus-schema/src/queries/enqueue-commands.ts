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
  /** PGMQ headers of every message sent (a trace context); default none. */
  readonly headers?: Readonly<Record<string, string>> | null;
}

export interface EnqueuedCommand {
  readonly commandId: string;
  readonly msgId: number;
}

// Two aligned arrays rather than an array of objects: cheaper to build in
// PostgreSQL and to parse here, for every command of every batch.
// `withdrawn` and `notified` are selected only so that PostgreSQL evaluates
// those parts.
const resultRow = z.object({
  command_ids: z.array(z.string()),
  msg_ids: z.array(bigintColumn),
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

  const column = <T extends string | number | null>(
    pick: (command: EnqueueCommandInput) => T,
    type: 'uuid' | 'text' | 'int4' | 'jsonb',
  ) => sql.array(commands.map(pick), type);
  const commandIds = column((c) => c.commandId, 'uuid');
  const commandTypes = column((c) => c.commandType, 'text');
  const maxAttempts = column((c) => c.maxAttempts, 'int4');
  const replyQueues = column((c) => c.replyQueue ?? '', 'text');
  const correlationIds = column((c) => c.correlationId, 'uuid');
  const messages = column((c) => JSON.stringify(c.message), 'jsonb');
  const headers = input.headers ? JSON.stringify(input.headers) : null;
  const row = await db.one(statement('commandbus_enqueue_commands', resultRow)`
    -- Each array is sent once and read by subscript, as the rows are needed:
    -- cheaper than unnesting them into rows, numbering those and joining
    -- them back to their msg ids.
    WITH args AS MATERIALIZED (
      SELECT ${commandIds} AS command_ids, ${commandTypes} AS command_types,
             ${maxAttempts} AS max_attempts, ${replyQueues} AS reply_queues,
             ${correlationIds} AS correlation_ids
    ), kept AS MATERIALIZED (
      -- The positions of the ids that do not exist yet, in call order.
      -- Existing ids by one index lookup each (evaluated once): an
      -- anti-join here would scan every command of the domain.
      SELECT a.*,
             ARRAY(SELECT u.i::int4
                     FROM unnest(a.command_ids) WITH ORDINALITY AS u(command_id, i)
                    WHERE u.command_id <> ALL (ARRAY(
                            SELECT c.command_id FROM commandbus.command AS c
                             WHERE c.domain = ${input.domain} AND c.command_id = ANY(a.command_ids)))
                    ORDER BY u.i) AS positions
        FROM args AS a
    ), sent AS MATERIALIZED (
      SELECT k.positions[s.n] AS i, s.msg_id
        -- The messages (most of the bytes) stay out of the CTEs that every
        -- row reads: only pgmq.send_batch needs them.
        FROM kept AS k, (SELECT ${messages} AS messages) AS m,
             -- The overload with every argument given: the shorter ones are
             -- SQL wrappers around it, planned again on every call.
             pgmq.send_batch(${input.queue},
                             CASE WHEN cardinality(k.positions) = cardinality(k.command_ids)
                                  THEN m.messages
                                  ELSE ARRAY(SELECT m.messages[p] FROM unnest(k.positions) AS p)
                             END,
                             CASE WHEN ${headers}::jsonb IS NULL THEN NULL::jsonb[]
                                  ELSE array_fill(${headers}::jsonb, ARRAY[cardinality(k.positions)])
                             END,
                             clock_timestamp())
             WITH ORDINALITY AS s(msg_id, n)
    ), inserted AS (
      INSERT INTO commandbus.command (
        domain, queue_name, msg_id, command_id, command_type, status, attempts,
        max_attempts, reply_queue, correlation_id, batch_id)
      SELECT ${input.domain}, ${input.queue}, s.msg_id, k.command_ids[s.i], k.command_types[s.i],
             'PENDING', 0, k.max_attempts[s.i], k.reply_queues[s.i], k.correlation_ids[s.i],
             ${input.batchId}::uuid
        FROM sent AS s, kept AS k
       -- In command_id order, like every multi-row statement of the bus: two
       -- senders of overlapping ids then wait for each other instead of deadlocking.
       ORDER BY k.command_ids[s.i]
      ON CONFLICT (domain, command_id) DO NOTHING
      RETURNING command_id, msg_id, command_type, max_attempts
    ), lost AS (
      SELECT ARRAY(
               SELECT s.msg_id FROM sent AS s
                WHERE NOT EXISTS (SELECT 1 FROM inserted AS i WHERE i.msg_id = s.msg_id)
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
             -- The same object jsonb_strip_nulls would leave, without building and
             -- then stripping a null batch_id for every command.
             CASE WHEN ${input.batchId}::uuid IS NULL
                  THEN jsonb_build_object('msg_id', i.msg_id, 'command_type', i.command_type,
                                          'max_attempts', i.max_attempts)
                  ELSE jsonb_build_object('msg_id', i.msg_id, 'command_type', i.command_type,
                                          'max_attempts', i.max_attempts, 'batch_id', ${input.batchId}::uuid)
             END
        FROM inserted AS i
    ), notified AS (
      SELECT pg_notify(${input.channel}, '') FROM (SELECT 1 FROM inserted LIMIT 1) AS any_new
    )
    SELECT e.command_ids, e.msg_ids,
           (SELECT n FROM withdrawn) AS withdrawn,
           (SELECT count(*) FROM notified) AS notified
      -- One aggregate pass, so the two arrays are in the same order.
      FROM (SELECT COALESCE(array_agg(command_id::text), '{}') AS command_ids,
                   COALESCE(array_agg(msg_id), '{}') AS msg_ids
              FROM inserted) AS e
  `);
  const { command_ids: ids, msg_ids: msgIds } = resultRow.parse(row);
  return ids.map((commandId, i) => {
    const msgId = msgIds[i];
    if (msgId === undefined) throw new Error(`unreachable: no msg id for command ${commandId}`);
    return { commandId, msgId };
  });
}
