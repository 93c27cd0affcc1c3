// The one rule that says whether a delivery may still settle its command, and
// the lock a failing delivery takes under it. completeCommands applies the same
// predicate in its UPDATE, so success and failure decide ownership alike.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { COMMAND_STATUSES } from '../model.ts';
import { assertDomain, assertInteger, assertUuid } from '../validation.ts';

/**
 * `c` is the command row, `d` the delivery (its `attempt`): the delivery owns
 * the command while it is IN_PROGRESS at the attempt the delivery received.
 * A delivery whose lease lapsed and that a newer attempt took over does not.
 *
 * IN_PROGRESS is spelled "none of the other statuses" (COMMAND_STATUSES, the
 * list the status CHECK allows): the same rows, but a condition no index
 * serves. With `status = 'IN_PROGRESS'` the planner, whose statistics rarely
 * see that status, walked ix_command_status_created instead of the command
 * ids, and that index's IN_PROGRESS entries pile up as dead tuples during a
 * drain: each finish of a group scanned every command finished before it.
 */
export const DELIVERY_OWNS_COMMAND = sql.fragment`
  c.status NOT IN (${sql.join(
    COMMAND_STATUSES.filter((status) => status !== 'IN_PROGRESS'),
    sql.fragment`, `,
  )})
  AND c.attempts = d.attempt`;

export interface DeliveryRefInput {
  readonly domain: string;
  readonly commandId: string;
  /** The attempt the delivery received. */
  readonly attempt: number;
}

/**
 * Locks the command row (FOR UPDATE, until the transaction ends) when the
 * delivery still owns it, and says whether it does. Call it inside the
 * transaction that then records the failure, cancel or troubleshooting move.
 */
export async function lockOwnedCommand(
  db: CommonQueryMethods,
  input: DeliveryRefInput,
): Promise<boolean> {
  assertDomain(input.domain);
  assertUuid('commandId', input.commandId);
  assertInteger('attempt', input.attempt, { min: 1 });
  const owned = await db.maybeOne(sql.type(z.object({ owned: z.boolean() }))`
    SELECT TRUE AS owned
      FROM commandbus.command AS c, (SELECT ${input.attempt}::int4 AS attempt) AS d
     WHERE c.domain = ${input.domain} AND c.command_id = ${input.commandId}::uuid
       AND ${DELIVERY_OWNS_COMMAND}
       FOR UPDATE OF c
  `);
  return owned !== null;
}
