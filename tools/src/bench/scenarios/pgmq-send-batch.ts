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
import { chunksFromBudget } from '../load.ts';
import { timeAfterWarmup, type OperationBudget } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const BATCH_SIZE = 100;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return preparePgmqDatabase(url);
}

export async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openPgmqPool(context.url, 1);
  try {
    const { warmup, count, seconds, peakRssMb } = await timeAfterWarmup(context, (budget) =>
      sendInBatches(pool, budget),
    );
    await expectQueueLength(pool, warmup + count);
    return { count, seconds, peakRssMb };
  } finally {
    await pool.end();
  }
}

function sendInBatches(pool: DatabasePool, budget: OperationBudget): Promise<void> {
  return pool.connect((connection) =>
    chunksFromBudget(budget, BATCH_SIZE, (start, length) =>
      sendBatch(connection, {
        queue: PGMQ_QUEUE,
        messages: Array.from({ length }, (_, i) => benchMessage(start + i)),
      }),
    ),
  );
}
