// Hands back commands a worker received but never started (its shutdown):
// each is PENDING again with the attempt its receive counted taken back, and
// its message visible at once (pgmq.set_vt 0), in one statement. A command
// therefore never reaches MAX_ATTEMPTS_EXCEEDED or the troubleshooting queue
// because workers stopped while holding it. The RECEIVED audit row stays:
// the trail is append-only, and the next RECEIVED row repeats its attempt.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import {
  assertDeliveries,
  assertDomain,
  assertInteger,
  assertNonEmptyString,
} from '../validation.ts';
import { DELIVERY_OWNS_COMMAND } from './delivery-ownership.ts';

export interface ReleaseCommandsInput {
  readonly domain: string;
  /** The domain's command queue, where the messages become visible again. */
  readonly queue: string;
  readonly deliveries: readonly {
    readonly commandId: string;
    readonly msgId: number;
    /** The attempt the delivery received. */
    readonly attempt: number;
  }[];
}

const releasedRow = z.object({ command_id: z.string() });

/**
 * Only deliveries that still own their command (DELIVERY_OWNS_COMMAND) are
 * handed back; the ids of those are returned. A delivery that does not own
 * its command any more leaves both the command and the message alone: the
 * message is then another delivery's lease.
 */
export async function releaseCommands(
  db: CommonQueryMethods,
  input: ReleaseCommandsInput,
): Promise<string[]> {
  assertDomain(input.domain);
  assertNonEmptyString('queue', input.queue);
  assertDeliveries(input.domain, input.deliveries);
  input.deliveries.forEach(({ attempt }, index) => {
    assertInteger(`deliveries[${index}].attempt`, attempt, { min: 1 });
  });
  if (input.deliveries.length === 0) return [];
  // In command_id order, the order every receive locks command rows in.
  const sorted = [...input.deliveries].sort((a, b) => (a.commandId < b.commandId ? -1 : 1));
  const commandIds = sql.array(
    sorted.map((d) => d.commandId),
    'uuid',
  );
  const rows = await db.any(statement('commandbus_release_commands', releasedRow)`
    WITH delivered AS (
      SELECT * FROM unnest(
        ${commandIds},
        ${sql.array(
          sorted.map((d) => d.msgId),
          'int8',
        )},
        ${sql.array(
          sorted.map((d) => d.attempt),
          'int4',
        )}
      ) AS d(command_id, msg_id, attempt)
    ), locked AS MATERIALIZED (
      SELECT c.command_id
        FROM commandbus.command AS c
        JOIN delivered AS d USING (command_id)
       WHERE c.domain = ${input.domain}
         AND c.command_id = ANY(${commandIds})
         AND ${DELIVERY_OWNS_COMMAND}
       ORDER BY c.command_id
         FOR UPDATE OF c
    ), released AS (
      UPDATE commandbus.command AS c
         SET status = 'PENDING',
             attempts = c.attempts - 1,
             updated_at = NOW()
        FROM delivered AS d
       WHERE c.domain = ${input.domain}
         AND c.command_id = ANY(ARRAY(SELECT command_id FROM locked))
         AND c.command_id = d.command_id
         AND ${DELIVERY_OWNS_COMMAND}
      RETURNING c.command_id, d.msg_id
    ), visible AS (
      SELECT count(v.msg_id) AS n
        FROM released AS r, LATERAL pgmq.set_vt(${input.queue}::text, r.msg_id, 0) AS v
    )
    SELECT r.command_id::text AS command_id
      FROM released AS r, visible
  `);
  return rows.map((row) => releasedRow.parse(row).command_id);
}
