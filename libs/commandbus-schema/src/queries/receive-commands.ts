// The worker's receive step for a whole read batch in one statement:
// sp_receive_command once per leased message, through a lateral join.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import {
  receivedCommandRecordSchema,
  receivedCommandSchema,
  type ReceivedCommand,
} from '../rows.ts';
import { assertDomain, assertMsgId, assertUuid, distinctCommandGuard } from '../validation.ts';

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
 * stale. Rows are taken in command_id order, the order every multi-row
 * statement of the bus locks command rows in, so two such statements never
 * deadlock on each other.
 */
export async function receiveCommands(
  db: CommonQueryMethods,
  input: ReceiveCommandsInput,
): Promise<Map<string, ReceivedCommand>> {
  assertDomain(input.domain);
  const assertOnce = distinctCommandGuard();
  input.deliveries.forEach(({ commandId, msgId }, index) => {
    assertUuid(`deliveries[${index}].commandId`, commandId);
    assertOnce(`deliveries[${index}].commandId`, input.domain, commandId);
    assertMsgId(`deliveries[${index}].msgId`, msgId);
  });
  if (input.deliveries.length === 0) return new Map();
  const rows = await db.any(sql.type(receivedWithKeySchema)`
    SELECT m.command_id::text AS delivered_command_id, r.*
      FROM (SELECT * FROM unnest(
              ${sql.array(
                input.deliveries.map((d) => d.commandId),
                'uuid',
              )},
              ${sql.array(
                input.deliveries.map((d) => d.msgId),
                'int8',
              )}
            ) AS u(command_id, msg_id)
            ORDER BY u.command_id) AS m
      CROSS JOIN LATERAL commandbus.sp_receive_command(
        ${input.domain}, m.command_id, 'IN_PROGRESS', m.msg_id, NULL
      ) AS r
  `);
  return new Map(
    rows.map((row) => {
      const { delivered_command_id: commandId, ...received } = receivedWithKeySchema.parse(row);
      return [commandId, receivedCommandSchema.parse(received)];
    }),
  );
}
