// Test helper for the lease and delay conformance tests: reads a queue's own
// table and measures its vt on the database's clock, so no test compares the
// server's time with this process's, nor depends on how fast it runs.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';

/** The database's clock_timestamp(), as text that keeps its microseconds. */
export async function databaseClock(db: CommonQueryMethods): Promise<string> {
  return db.oneFirst(
    sql.type(z.object({ now: z.string() }))`SELECT clock_timestamp()::text AS now`,
  );
}

export interface VtWindow {
  /** A databaseClock() reading taken before the call that set vt. */
  readonly from: string;
  /** A databaseClock() reading taken after it. */
  readonly to: string;
}

export interface QueueRowVt {
  readonly msgId: number;
  readonly readCount: number;
  /** vt - enqueued_at, in seconds. */
  readonly vtAfterEnqueued: number;
  /** vt - window.from, in seconds. */
  readonly vtAfterFrom: number;
  /** vt - window.to, in seconds. */
  readonly vtAfterTo: number;
}

const rowVtSchema = z.object({
  msg_id: z.number(),
  read_ct: z.number(),
  vt_after_enqueued: z.number(),
  vt_after_from: z.number(),
  vt_after_to: z.number(),
});

/**
 * Every row of pgmq.q_<queue>, lowest msg id first, with its vt measured in
 * exact seconds. A vt set to "clock + n seconds" by a call made inside the
 * window has vtAfterFrom >= n and vtAfterTo <= n, however long the call took.
 */
export async function queueRowVts(
  db: CommonQueryMethods,
  queue: string,
  window: VtWindow,
): Promise<QueueRowVt[]> {
  const rows = await db.any(sql.type(rowVtSchema)`
    SELECT msg_id::int AS msg_id, read_ct,
           extract(epoch FROM vt - enqueued_at)::float8 AS vt_after_enqueued,
           extract(epoch FROM vt - ${window.from}::timestamptz)::float8 AS vt_after_from,
           extract(epoch FROM vt - ${window.to}::timestamptz)::float8 AS vt_after_to
    FROM ${sql.identifier(['pgmq', `q_${queue.toLowerCase()}`])}
    ORDER BY msg_id
  `);
  return rows.map((row) => {
    const parsed = rowVtSchema.parse(row);
    return {
      msgId: parsed.msg_id,
      readCount: parsed.read_ct,
      vtAfterEnqueued: parsed.vt_after_enqueued,
      vtAfterFrom: parsed.vt_after_from,
      vtAfterTo: parsed.vt_after_to,
    };
  });
}
