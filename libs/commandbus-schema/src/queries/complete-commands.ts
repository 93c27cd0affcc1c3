// The worker's success step for many deliveries in one statement: lock the
// commands still owned by these deliveries, finish them, delete their messages.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import {
  assertDomain,
  assertInteger,
  assertMsgId,
  assertUuid,
  distinctCommandGuard,
} from '../validation.ts';

export interface CompletedDelivery {
  readonly commandId: string;
  readonly msgId: number;
  /** The attempt the delivery received; a newer attempt owns the command now. */
  readonly attempt: number;
}

export interface CompleteCommandsInput {
  readonly domain: string;
  /** The domain's command queue, where the messages are deleted. */
  readonly queue: string;
  readonly deliveries: readonly CompletedDelivery[];
}

export interface CompletedCommand {
  readonly commandId: string;
  /** True when finishing this command completed its batch. */
  readonly batchCompleted: boolean;
}

const completedRow = z.object({ command_id: z.string(), batch_completed: z.boolean() });

/**
 * Only deliveries that still own their command (IN_PROGRESS at the attempt
 * they received) are finished; the others are left out of the result, and
 * their messages are not deleted. Runs on its own as one atomic statement, or
 * inside the handler's transaction so that its writes commit with the finish.
 *
 * Lock order: command rows are locked sorted by (batch_id, command_id), and
 * sp_finish_command then takes each batch row in the same order, as it reads
 * the materialised `owned` rows in the order they were locked. Two of these
 * statements finishing commands of the same two batches therefore take the
 * batch rows in the same order and cannot deadlock.
 */
export async function completeCommands(
  db: CommonQueryMethods,
  input: CompleteCommandsInput,
): Promise<CompletedCommand[]> {
  assertDomain(input.domain);
  const assertOnce = distinctCommandGuard();
  input.deliveries.forEach(({ commandId, msgId, attempt }, index) => {
    assertUuid(`deliveries[${index}].commandId`, commandId);
    assertOnce(`deliveries[${index}].commandId`, input.domain, commandId);
    assertMsgId(`deliveries[${index}].msgId`, msgId);
    assertInteger(`deliveries[${index}].attempt`, attempt, { min: 1 });
  });
  if (input.deliveries.length === 0) return [];
  const rows = await db.any(sql.type(completedRow)`
    WITH owned AS MATERIALIZED (
      SELECT c.command_id, c.batch_id, d.msg_id, d.attempt
        FROM unnest(
               ${sql.array(
                 input.deliveries.map((d) => d.commandId),
                 'uuid',
               )},
               ${sql.array(
                 input.deliveries.map((d) => d.msgId),
                 'int8',
               )},
               ${sql.array(
                 input.deliveries.map((d) => d.attempt),
                 'int4',
               )}
             ) AS d(command_id, msg_id, attempt)
        JOIN commandbus.command AS c
          ON c.domain = ${input.domain} AND c.command_id = d.command_id
       WHERE c.status = 'IN_PROGRESS' AND c.attempts = d.attempt
       ORDER BY c.batch_id NULLS FIRST, c.command_id
         FOR UPDATE OF c
    ), finished AS MATERIALIZED (
      SELECT o.command_id, o.msg_id,
             commandbus.sp_finish_command(
               ${input.domain}, o.command_id, 'COMPLETED', 'COMPLETED', NULL, NULL, NULL,
               jsonb_build_object('msg_id', o.msg_id, 'attempt', o.attempt)
             ) AS batch_completed
        FROM owned AS o
    ), deleted AS (
      SELECT count(*) AS n
        FROM pgmq.delete(${input.queue}, ARRAY(SELECT msg_id FROM finished))
    )
    SELECT f.command_id::text AS command_id, f.batch_completed
      FROM finished AS f, deleted
  `);
  return rows.map((row) => {
    const parsed = completedRow.parse(row);
    return { commandId: parsed.command_id, batchCompleted: parsed.batch_completed };
  });
}
