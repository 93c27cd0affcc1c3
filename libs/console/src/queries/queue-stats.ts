// Per-queue figures read straight from PGMQ's tables with bounded counts.
// pgmq.metrics counts every row of a queue on each call; an archive of
// millions of messages would make each refresh a full scan.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { boundedCount, boundedCountSql, type BoundedCount } from './bounded-count.ts';

export interface QueueStats {
  readonly queueName: string;
  /** Messages a read would get now. */
  readonly visible: BoundedCount;
  /** Read at least once and invisible: being handled, or waiting out a retry backoff. */
  readonly leased: BoundedCount;
  /** Never read and invisible: sent with a delay. */
  readonly delayed: BoundedCount;
  /** Age of the oldest message in seconds; null when the queue is empty. */
  readonly oldestAgeSeconds: number | null;
  readonly archived: BoundedCount;
  /** Queue plus archive on disk, with indexes. */
  readonly bytes: number;
}

const queueNameRow = z.object({ queue_name: z.string() });
const QUEUE_NAME = /^[a-z0-9_]{1,47}$/i;

/** Every PGMQ queue, by name. */
export async function listQueueNames(db: CommonQueryMethods): Promise<string[]> {
  const rows = await db.any(
    sql.type(queueNameRow)`SELECT queue_name FROM pgmq.list_queues() ORDER BY queue_name`,
  );
  return rows
    .map((row) => queueNameRow.parse(row).queue_name)
    .filter((name) => QUEUE_NAME.test(name));
}

const statsRow = z.object({
  visible: z.number(),
  leased: z.number(),
  delayed: z.number(),
  oldest_age_seconds: z.number().nullable(),
  archived: z.number(),
  bytes: z.coerce.number(),
});

export async function queueStats(
  db: CommonQueryMethods,
  queueName: string,
  cap: number,
): Promise<QueueStats> {
  if (!QUEUE_NAME.test(queueName)) throw new Error(`not a PGMQ queue name: ${queueName}`);
  const queue = sql.identifier(['pgmq', `q_${queueName}`]);
  const archive = sql.identifier(['pgmq', `a_${queueName}`]);
  const queueText = `pgmq.q_${queueName}`;
  const archiveText = `pgmq.a_${queueName}`;
  const row = statsRow.parse(
    await db.one(sql.type(statsRow)`
    SELECT
      ${boundedCountSql(sql.fragment`${queue} WHERE vt <= clock_timestamp()`, cap)} AS visible,
      ${boundedCountSql(sql.fragment`${queue} WHERE vt > clock_timestamp() AND read_ct > 0`, cap)} AS leased,
      ${boundedCountSql(sql.fragment`${queue} WHERE vt > clock_timestamp() AND read_ct = 0`, cap)} AS delayed,
      (SELECT floor(extract(epoch FROM clock_timestamp() - enqueued_at))::int
         FROM ${queue} ORDER BY msg_id LIMIT 1) AS oldest_age_seconds,
      ${boundedCountSql(sql.fragment`${archive}`, cap)} AS archived,
      (pg_total_relation_size(${queueText}::regclass)
        + pg_total_relation_size(${archiveText}::regclass))::bigint AS bytes
  `),
  );
  return {
    queueName,
    visible: boundedCount(row.visible, cap),
    leased: boundedCount(row.leased, cap),
    delayed: boundedCount(row.delayed, cap),
    oldestAgeSeconds: row.oldest_age_seconds,
    archived: boundedCount(row.archived, cap),
    bytes: row.bytes,
  };
}
