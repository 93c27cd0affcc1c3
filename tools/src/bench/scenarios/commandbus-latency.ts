// commandbus.latency: send → handler start at a steady 100/s, the worker
// woken by the producer's NOTIFY (poll interval left at its 1 s default).
import { z } from 'zod';
import { defineCommand } from '@commandbus/commandbus';
import {
  newProducer,
  openBusPool,
  prepareBusDatabase,
  startBenchWorker,
} from '../fixtures/commandbus.ts';
import { LatencyRecorder, measureLatency } from '../latency.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const LatencyCommand = defineCommand({
  type: 'BenchLatency',
  data: z.object({ t: z.number(), measured: z.boolean() }),
});

/** The Worker's default concurrency: this scenario measures wake-up, not throughput. */
const CONCURRENCY = 10;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url);
}

export async function run({ url }: ScenarioContext): Promise<ScenarioOutcome> {
  // Separate pools, as a producer service and a worker service would have.
  const producerPool = await openBusPool(url, 4);
  const workerPool = await openBusPool(url, CONCURRENCY + 2);
  const recorder = new LatencyRecorder();
  try {
    const worker = await startBenchWorker({
      pool: workerPool,
      url,
      concurrency: CONCURRENCY,
      command: LatencyCommand,
      handle: ({ command }) => recorder.record(command.data),
    });
    try {
      const producer = newProducer(producerPool);
      return await measureLatency(recorder, ({ t, measured }) =>
        producer.send(LatencyCommand, { data: { t, measured } }),
      );
    } finally {
      await worker.stop();
    }
  } finally {
    await producerPool.end();
    await workerPool.end();
  }
}
