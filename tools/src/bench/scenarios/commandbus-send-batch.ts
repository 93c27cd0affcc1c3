// commandbus.send_batch: one producer sending 100 commands per
// Producer.sendBatch call, the counterpart of pgmq.send_batch.
import type { Producer } from '@commandbus/commandbus';
import {
  BenchCommand,
  newProducer,
  openBusPool,
  prepareBusDatabase,
  timeSendsAndCheck,
} from '../fixtures/commandbus.ts';
import { chunksFromBudget } from '../load.ts';
import type { OperationBudget } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url);
}

export async function run(context: ScenarioContext, batchSize = 100): Promise<ScenarioOutcome> {
  const pool = await openBusPool(context.url, 2);
  try {
    const producer = newProducer(pool);
    return await timeSendsAndCheck(pool, context, (budget) =>
      sendInBatches(producer, budget, batchSize),
    );
  } finally {
    await pool.end();
  }
}

function sendInBatches(
  producer: Producer,
  budget: OperationBudget,
  batchSize: number,
): Promise<void> {
  return chunksFromBudget(budget, batchSize, (start, length) =>
    producer.sendBatch(
      Array.from({ length }, (_, i) => ({
        command: BenchCommand,
        input: { data: { n: start + i } },
      })),
    ),
  );
}
