// Creating, listing, emptying and dropping queues.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { safeIntegerSchema, timestampSchema } from './column-values.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface QueueInput {
  readonly queue: string;
}

/** A row of pgmq.meta. */
export interface QueueInfo {
  readonly queueName: string;
  readonly isPartitioned: boolean;
  readonly isUnlogged: boolean;
  readonly createdAt: Date;
}

const queueRowSchema = z.object({
  queue_name: z.string(),
  is_partitioned: z.boolean(),
  is_unlogged: z.boolean(),
  created_at: timestampSchema,
});
const droppedRow = z.object({ dropped: z.boolean() });
const purgedRow = z.object({ purged: safeIntegerSchema });
const committedRow = z.object({ committed: z.boolean() });

/** Creates the queue and its archive; does nothing when it exists (safe to call at every start). */
export async function createQueue(db: CommonQueryMethods, input: QueueInput): Promise<void> {
  const queue = validateQueueName(input.queue);
  await db.query(sql.type(z.object({}))`SELECT pgmq.create(${queue}::text)`);
}

/** Drops the queue, its archive and their messages; false when there was no such queue. */
export async function dropQueue(db: CommonQueryMethods, input: QueueInput): Promise<boolean> {
  const queue = validateQueueName(input.queue);
  const row = await db.one(sql.type(droppedRow)`SELECT pgmq.drop_queue(${queue}::text) AS dropped`);
  return droppedRow.parse(row).dropped;
}

export async function listQueues(db: CommonQueryMethods): Promise<QueueInfo[]> {
  const rows = await db.any(sql.type(queueRowSchema)`
    SELECT queue_name, is_partitioned, is_unlogged, created_at FROM pgmq.list_queues()
  `);
  return rows.map((row) => {
    const parsed = queueRowSchema.parse(row);
    return {
      queueName: parsed.queue_name,
      isPartitioned: parsed.is_partitioned,
      isUnlogged: parsed.is_unlogged,
      createdAt: parsed.created_at,
    };
  });
}

/**
 * True when the queue exists and another, committed transaction created it,
 * so it stays whatever the caller's own open transaction does next. False
 * when it does not exist, or when the caller's transaction (or one of its
 * savepoints) created it and might still roll it back.
 *
 * A pgmq.meta row we can see is either committed or our own. Our own rows
 * carry our transaction id or a newer one (savepoints draw theirs after it),
 * so `age(xmin) > 0` (older than our transaction, or than the next id when we
 * have none) marks a committed one. A row committed by a transaction newer
 * than ours counts as not committed: a harmless false negative.
 */
export async function queueCommitted(db: CommonQueryMethods, input: QueueInput): Promise<boolean> {
  const queue = validateQueueName(input.queue);
  const row = await db.one(sql.type(committedRow)`
    SELECT EXISTS (SELECT 1 FROM pgmq.meta WHERE queue_name = ${queue} AND age(xmin) > 0) AS committed`);
  return committedRow.parse(row).committed;
}

/** Deletes every message in the queue (not its archive); returns how many. */
export async function purgeQueue(db: CommonQueryMethods, input: QueueInput): Promise<number> {
  const queue = validateQueueName(input.queue);
  const row = await onQueue(queue, () =>
    db.one(sql.type(purgedRow)`SELECT pgmq.purge_queue(${queue}::text) AS purged`),
  );
  return purgedRow.parse(row).purged;
}
