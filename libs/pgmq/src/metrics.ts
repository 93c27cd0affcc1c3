// Queue metrics (pgmq.metrics / pgmq.metrics_all), for dashboards and operators.
import { sql, type CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { safeIntegerSchema, timestampSchema } from './column-values.ts';
import { onQueue } from './queue-errors.ts';
import { validateQueueName } from './queue-name.ts';

export interface MetricsInput {
  readonly queue: string;
}

export interface QueueMetrics {
  readonly queueName: string;
  /** Messages in the queue now, leased or not. */
  readonly queueLength: number;
  /** Age of the newest message in seconds; null when the queue is empty. */
  readonly newestMsgAgeSec: number | null;
  /** Age of the oldest message in seconds; null when the queue is empty. */
  readonly oldestMsgAgeSec: number | null;
  /** Messages ever sent to the queue (from its id sequence). */
  readonly totalMessages: number;
  readonly scrapeTime: Date;
  /** Messages a read would see now: not leased and not delayed. */
  readonly queueVisibleLength: number;
}

const metricsRowSchema = z.object({
  queue_name: z.string(),
  queue_length: safeIntegerSchema,
  newest_msg_age_sec: safeIntegerSchema.nullable(),
  oldest_msg_age_sec: safeIntegerSchema.nullable(),
  total_messages: safeIntegerSchema,
  scrape_time: timestampSchema,
  queue_visible_length: safeIntegerSchema,
});

const METRICS_COLUMNS = sql.fragment`
  queue_name, queue_length, newest_msg_age_sec, oldest_msg_age_sec,
  total_messages, scrape_time, queue_visible_length
`;

export async function metrics(db: CommonQueryMethods, input: MetricsInput): Promise<QueueMetrics> {
  const queue = validateQueueName(input.queue);
  const row = await onQueue(queue, () =>
    db.one(sql.type(metricsRowSchema)`SELECT ${METRICS_COLUMNS} FROM pgmq.metrics(${queue}::text)`),
  );
  return toQueueMetrics(row);
}

/** One entry per queue. */
export async function metricsAll(db: CommonQueryMethods): Promise<QueueMetrics[]> {
  const rows = await db.any(
    sql.type(metricsRowSchema)`SELECT ${METRICS_COLUMNS} FROM pgmq.metrics_all()`,
  );
  return rows.map(toQueueMetrics);
}

function toQueueMetrics(row: unknown): QueueMetrics {
  const parsed = metricsRowSchema.parse(row);
  return {
    queueName: parsed.queue_name,
    queueLength: parsed.queue_length,
    newestMsgAgeSec: parsed.newest_msg_age_sec,
    oldestMsgAgeSec: parsed.oldest_msg_age_sec,
    totalMessages: parsed.total_messages,
    scrapeTime: parsed.scrape_time,
    queueVisibleLength: parsed.queue_visible_length,
  };
}
