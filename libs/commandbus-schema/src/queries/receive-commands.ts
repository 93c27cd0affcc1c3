// The worker's receive step for a whole read batch in one statement: what
// sp_receive_command does for one command, done set-based for all of them.
//
// Calling sp_receive_command per row (a lateral join) cost ~70 µs per command
// in PL/pgSQL statement start-up; one UPDATE and one INSERT over the whole
// read cost about half that. The command row and audit logic is therefore
// written out here, and procedure-equivalence.test.ts checks it against the
// procedure row for row. Batches still go through sp_start_batch, once per
// batch, so the batch logic has one home.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import { camelizeKeys, receivedCommandRecordSchema, type ReceivedCommandRow } from '../rows.ts';
import { assertDeliveries, assertDomain } from '../validation.ts';
import {
  NOT_RECEIVABLE,
  RECEIVED_COLUMNS,
  receiveLockedCommands,
} from './received-commands-sql.ts';

export interface ReceiveCommandsInput {
  readonly domain: string;
  /** One leased message each; command ids must be distinct. */
  readonly deliveries: readonly { readonly commandId: string; readonly msgId: number }[];
}

const receivedWithKeySchema = receivedCommandRecordSchema.extend({
  delivered_command_id: z.string(),
});

/**
 * Returns the received commands by command id. A command missing from the
 * map is terminal, in the troubleshooting queue or unknown: its message is
 * stale. The returned msg_id is the delivered message's, as
 * sp_receive_command returns its p_msg_id.
 */
export async function receiveCommands(
  db: CommonQueryMethods,
  input: ReceiveCommandsInput,
): Promise<Map<string, ReceivedCommandRow>> {
  assertDomain(input.domain);
  assertDeliveries(input.domain, input.deliveries);
  if (input.deliveries.length === 0) return new Map();
  const commandIds = sql.array(
    input.deliveries.map((d) => d.commandId),
    'uuid',
  );
  const rows = await db.any(statement('commandbus_receive_commands', receivedWithKeySchema)`
    WITH delivered AS (
      SELECT * FROM unnest(
        ${commandIds},
        ${sql.array(
          input.deliveries.map((d) => d.msgId),
          'int8',
        )}
      ) AS d(command_id, msg_id)
    ), locked AS MATERIALIZED (
      -- sp_receive_command's guard. Rows are locked in command_id order, so
      -- two receives of overlapping commands cannot deadlock.
      SELECT c.command_id
        FROM commandbus.command AS c
       WHERE c.domain = ${input.domain}
         AND c.command_id = ANY(${commandIds})
         AND c.status NOT IN (${NOT_RECEIVABLE})
       ORDER BY c.command_id
         FOR UPDATE
    ), ${receiveLockedCommands(input.domain)}
    SELECT r.command_id::text AS delivered_command_id,
           ${RECEIVED_COLUMNS}
      FROM received AS r
      JOIN delivered AS d USING (command_id)
     CROSS JOIN started
  `);
  return new Map(
    rows.map((row) => {
      // One parse validates every column; the rest is renaming.
      const { delivered_command_id: commandId, ...received } = receivedWithKeySchema.parse(row);
      return [commandId, camelizeKeys(received)];
    }),
  );
}
