// pgmq.send_batch: one connection sending 100 messages per pgmq.send_batch
// call, the raw counterpart of commandbus.send_batch.
import type { DatabasePool } from 'slonik';
import { sendBatch } from '@commandbus/pgmq';
import {
  benchMessage,
  expectQueueLength,
  openPgmqPool,
  PGMQ_QUEUE,
  preparePgmqDatabase,
} from '../fixtures/pgmq.ts';
import { inChunks } from '../load.ts';
import { timeAfterWarmup } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const BATCH_SIZE = 100;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return preparePgmqDatabase(url);
}

export async function run({ url, count }: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openPgmqPool(url, 1);
  try {
    const { warmup, seconds, peakRssMb } = await timeAfterWarmup(count, (first, n) =>
      sendInBatches(pool, first, n),
    );
    await expectQueueLength(pool, warmup + count);
    return { count, seconds, peakRssMb };
  } finally {
    await pool.end();
  }
}

function sendInBatches(pool: DatabasePool, first: number, count: number): Promise<void> {
  return pool.connect((connection) =>
    inChunks(count, BATCH_SIZE, (start, length) =>
      sendBatch(connection, {
        queue: PGMQ_QUEUE,
        messages: Array.from({ length }, (_, i) => benchMessage(first + start + i)),
      }),
    ),
  );
}
