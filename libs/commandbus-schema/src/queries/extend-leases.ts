// The worker's lease extension for every message it holds, in one statement:
// pgmq.set_vt for each, so the leases of N waiting or running commands cost
// one round trip, not N.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { statement } from '../prepared-statements.ts';
import { assertInteger, assertMsgId, assertNonEmptyString } from '../validation.ts';

export interface ExtendLeasesInput {
  readonly queue: string;
  readonly msgIds: readonly number[];
  /** Seconds from now the messages stay invisible. */
  readonly vt: number;
}

const extendedRow = z.object({ msg_id: z.union([z.bigint(), z.number(), z.string()]) });

/** Returns the ids of the messages still in the queue, whose leases now end `vt` seconds from now. */
export async function extendLeases(
  db: CommonQueryMethods,
  input: ExtendLeasesInput,
): Promise<number[]> {
  assertNonEmptyString('queue', input.queue);
  assertInteger('vt', input.vt, { min: 0 });
  input.msgIds.forEach((msgId, index) => assertMsgId(`msgIds[${index}]`, msgId));
  if (input.msgIds.length === 0) return [];
  const rows = await db.any(statement('commandbus_extend_leases', extendedRow)`
    SELECT v.msg_id
      FROM unnest(${sql.array([...input.msgIds], 'int8')}) AS m(msg_id),
           LATERAL pgmq.set_vt(${input.queue}::text, m.msg_id, ${input.vt}::int4) AS v
  `);
  return rows.map((row) => Number(extendedRow.parse(row).msg_id));
}
