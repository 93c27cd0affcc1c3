// The worker's lease and receive in one round trip: pgmq.read of up to `qty`
// messages and, in the same statement, what receiveCommands does for the
// commands they name (IN_PROGRESS, attempts + 1, a RECEIVED audit row, the
// batch started). read-and-receive-commands.test.ts checks the result against
// pgmq.read followed by sp_receive_command, row for row.
//
// pgmq.read is a PL/pgSQL function and reads with a snapshot of its own,
// taken after the statement's: a message whose sending transaction committed
// in between is read, while the statement still sees that transaction's
// command row as it was before (missing, or in the troubleshooting queue
// before an operator's retry). Such a message comes back with `received`
// null like a stale one; the caller must receive those again (receiveCommands,
// a statement with a fresh snapshot) before it takes them for stale.
//
// The statement only trusts a message as far as finding its command: a
// `command_id` that reads as a UUID. The caller still checks the whole
// envelope, and settles a received command whose envelope turns out invalid
// through the failure path, so nothing is left IN_PROGRESS by it.
import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import { camelizeKeys, receivedCommandRecordSchema, type ReceivedCommandRow } from '../rows.ts';
import { assertDomain, assertInteger, assertNonEmptyString } from '../validation.ts';
import {
  NOT_RECEIVABLE,
  RECEIVED_COLUMNS,
  receiveLockedCommands,
} from './received-commands-sql.ts';

export interface ReadAndReceiveInput {
  readonly domain: string;
  /** The domain's command queue. */
  readonly queue: string;
  /** The lease, in seconds (pgmq.read's `vt`). */
  readonly vt: number;
  /** Messages to read at most. */
  readonly qty: number;
}

/** One message of the read, with its command when the statement received it. */
export interface ReadReceivedMessage {
  readonly msgId: number;
  /** How many times the message was read, this read included. */
  readonly readCount: number;
  /** The JSON payload as sent. */
  readonly message: unknown;
  /** The message's PGMQ headers as sent (a trace context), or null. */
  readonly headers: unknown;
  /** The command id the message names, when it reads as a UUID (lower case). */
  readonly commandId: string | null;
  /**
   * False for a second message of the same command in this read: only the
   * first (lowest msg_id) is received; the other must not run the handler
   * again at the same time.
   */
  readonly firstOfCommand: boolean;
  /**
   * The received command (as sp_receive_command returns it, msg_id the
   * message's), or null: no readable command id, a second copy, a command
   * that is terminal, in the troubleshooting queue or unknown (stale), or
   * one committed after this statement's snapshot (see above).
   */
  readonly received: ReceivedCommandRow | null;
}

const UUID_TEXT = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const messageColumns = z.object({
  read_msg_id: z.union([z.bigint(), z.number(), z.string()]).transform(Number),
  read_ct: z.number().int(),
  message: z.unknown(),
  headers: z.unknown(),
  named_command_id: z.string().nullable(),
  first_of_command: z.boolean(),
  received: z.boolean(),
});
// The received command's columns (null unless `received`) are parsed below.
const readReceivedRow = messageColumns.loose();

/**
 * Reads and receives in one statement. Messages come back in msg_id order.
 * Lock order is the one receiveCommands keeps: command rows in command_id
 * order, then batch rows through sp_start_batch in batch_id order.
 */
export async function readAndReceiveCommands(
  db: CommonQueryMethods,
  input: ReadAndReceiveInput,
): Promise<ReadReceivedMessage[]> {
  assertDomain(input.domain);
  assertNonEmptyString('queue', input.queue);
  assertInteger('vt', input.vt, { min: 0 });
  assertInteger('qty', input.qty, { min: 1 });
  const rows = await db.any(statement('commandbus_read_and_receive', readReceivedRow)`
    WITH leased AS MATERIALIZED (
      SELECT m.msg_id, m.read_ct, m.message, m.headers,
             CASE WHEN m.message->>'command_id' ~ ${UUID_TEXT}
                  THEN (m.message->>'command_id')::uuid END AS command_id
        FROM pgmq.read(${input.queue}::text, ${input.vt}::int4, ${input.qty}::int4) AS m
    ), delivered AS MATERIALIZED (
      SELECT DISTINCT ON (l.command_id) l.command_id, l.msg_id
        FROM leased AS l
       WHERE l.command_id IS NOT NULL
       ORDER BY l.command_id, l.msg_id
    ), locked AS MATERIALIZED (
      -- sp_receive_command's guard, re-checked on the newest row version.
      SELECT c.command_id
        FROM commandbus.command AS c
       WHERE c.domain = ${input.domain}
         AND c.command_id = ANY(ARRAY(SELECT command_id FROM delivered))
         AND c.status NOT IN (${NOT_RECEIVABLE})
       ORDER BY c.command_id
         FOR UPDATE
    ), ${receiveLockedCommands(input.domain)}
    SELECT l.msg_id AS read_msg_id, l.read_ct, l.message, l.headers,
           l.command_id::text AS named_command_id,
           d.msg_id IS NOT NULL AS first_of_command,
           r.command_id IS NOT NULL AS received,
           ${RECEIVED_COLUMNS}
      FROM leased AS l
      LEFT JOIN delivered AS d ON d.msg_id = l.msg_id
      LEFT JOIN received AS r ON r.command_id = d.command_id
     CROSS JOIN started
     ORDER BY l.msg_id
  `);
  return rows.map((row) => {
    const parsed = messageColumns.parse(row);
    return {
      msgId: parsed.read_msg_id,
      readCount: parsed.read_ct,
      message: parsed.message ?? null,
      headers: parsed.headers ?? null,
      commandId: parsed.named_command_id,
      firstOfCommand: parsed.first_of_command,
      // One parse validates every column of the received command.
      received: parsed.received ? camelizeKeys(receivedCommandRecordSchema.parse(row)) : null,
    };
  });
}
