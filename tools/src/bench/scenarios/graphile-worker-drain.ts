// graphile-worker.drain[.batched]: pre-loaded jobs drained by `run()` with
// the performance page's settings; `.batched` adds the local queue and
// batched completion.
import { run as runWorker } from 'graphile-worker';
import {
  BATCHED_PRESET,
  countJobs,
  graphileLogger,
  prepareGraphileDatabase,
  TASK,
  THROUGHPUT_PRESET,
} from '../fixtures/graphile-worker.ts';
import { WarmupGate } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';
import { withClient } from '../sql-client.ts';
import { drainTimeoutMs, waitUntil } from '../wait-until.ts';

export function prepare({ url, count, warmup }: ScenarioContext): Promise<void> {
  return prepareGraphileDatabase(url, warmup + count);
}

export async function run(
  { url, count, warmup }: ScenarioContext,
  batched: boolean,
): Promise<ScenarioOutcome> {
  const total = warmup + count;
  const gate = new WarmupGate(warmup);
  const timeoutMs = drainTimeoutMs(total);
  const runner = await runWorker({
    connectionString: url,
    logger: graphileLogger,
    noHandleSignals: true,
    taskList: {
      [TASK]: async () => gate.count(),
    },
    preset: { worker: batched ? BATCHED_PRESET : THROUGHPUT_PRESET },
  });
  try {
    // Handlers first (free to check), then the database: with batched
    // completion a job is only done once its batch is flushed.
    await waitUntil(() => gate.seen >= total, {
      timeoutMs,
      description: `${total} jobs to reach a handler`,
    });
    await withClient(url, (client) =>
      waitUntil(async () => (await countJobs(client)) === 0, {
        timeoutMs,
        description: `${total} jobs to complete`,
      }),
    );
    const timed = gate.stop();
    if (gate.seen !== total)
      throw new Error(`expected ${total} jobs handled once, got ${gate.seen} runs`);
    return timed;
  } finally {
    await runner.stop();
  }
}
