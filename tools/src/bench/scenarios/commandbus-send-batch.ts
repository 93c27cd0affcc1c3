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
import { inChunks } from '../load.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url);
}

export async function run(
  { url, count }: ScenarioContext,
  batchSize = 100,
): Promise<ScenarioOutcome> {
  const pool = await openBusPool(url, 2);
  try {
    const producer = newProducer(pool);
    return await timeSendsAndCheck(pool, count, (first, n) =>
      sendInBatches(producer, first, n, batchSize),
    );
  } finally {
    await pool.end();
  }
}

function sendInBatches(
  producer: Producer,
  first: number,
  count: number,
  batchSize: number,
): Promise<void> {
  return inChunks(count, batchSize, (start, length) =>
    producer.sendBatch(
      Array.from({ length }, (_, i) => ({
        command: BenchCommand,
        input: { data: { n: first + start + i } },
      })),
    ),
  );
}
