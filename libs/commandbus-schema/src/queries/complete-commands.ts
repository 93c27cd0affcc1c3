// The worker's success step for many deliveries in one statement: finish the
// commands still owned by these deliveries and delete their messages.
//
// For a command that is IN_PROGRESS, sp_finish_command(..., 'COMPLETED',
// 'COMPLETED', ...) writes the COMPLETED audit row, sets the status and
// updated_at, and hands the batch to sp_update_batch_counters. The first two
// are done here set-based, once for the whole group (a PL/pgSQL call per
// command cost about twice as much); the batch counters still go through
// sp_update_batch_counters, row by row, so the batch logic has one home.
// procedure-equivalence.test.ts checks the result against sp_finish_command.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import { assertDeliveries, assertDomain, assertInteger } from '../validation.ts';
import { DELIVERY_OWNS_COMMAND } from './delivery-ownership.ts';

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
 * Ownership (DELIVERY_OWNS_COMMAND, the rule lockOwnedCommand applies to a
 * failing delivery) is the UPDATE's own guard: a command another delivery
 * took over meanwhile is re-checked on its newest row version and left alone.
 *
 * Lock order: command rows first, then batch rows, each batch row taken by
 * sp_update_batch_counters in batch_id order (volatile calls are evaluated
 * after the sort). Two of these statements finishing commands of the same two
 * batches therefore take the batch rows in the same order and cannot deadlock.
 */
export async function completeCommands(
  db: CommonQueryMethods,
  input: CompleteCommandsInput,
): Promise<CompletedCommand[]> {
  assertDomain(input.domain);
  assertDeliveries(input.domain, input.deliveries);
  input.deliveries.forEach(({ attempt }, index) => {
    assertInteger(`deliveries[${index}].attempt`, attempt, { min: 1 });
  });
  if (input.deliveries.length === 0) return [];
  const commandIds = sql.array(
    input.deliveries.map((d) => d.commandId),
    'uuid',
  );
  const rows = await db.any(statement('commandbus_complete_commands', completedRow)`
    WITH delivered AS (
      SELECT * FROM unnest(
        ${commandIds},
        ${sql.array(
          input.deliveries.map((d) => d.msgId),
          'int8',
        )},
        ${sql.array(
          input.deliveries.map((d) => d.attempt),
          'int4',
        )}
      ) AS d(command_id, msg_id, attempt)
    ), completed AS (
      UPDATE commandbus.command AS c
         SET status = 'COMPLETED',
             updated_at = NOW()
        FROM delivered AS d
       WHERE c.domain = ${input.domain}
         AND c.command_id = ANY(${commandIds})
         AND c.command_id = d.command_id
         AND ${DELIVERY_OWNS_COMMAND}
      RETURNING c.command_id, c.batch_id, d.msg_id, d.attempt
    ), audited AS (
      INSERT INTO commandbus.audit (domain, command_id, event_type, details_json)
      SELECT ${input.domain}, f.command_id, 'COMPLETED',
             jsonb_build_object('msg_id', f.msg_id, 'attempt', f.attempt)
        FROM completed AS f
    ), finished AS MATERIALIZED (
      SELECT f.command_id, f.msg_id,
             CASE WHEN f.batch_id IS NULL THEN FALSE
                  ELSE commandbus.sp_update_batch_counters(${input.domain}, f.batch_id, 'complete')
             END AS batch_completed
        FROM completed AS f
       ORDER BY f.batch_id NULLS FIRST, f.command_id
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
