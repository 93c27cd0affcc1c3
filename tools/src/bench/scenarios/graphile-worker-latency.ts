// graphile-worker.latency: add_job → task start at a steady 100/s; the
// worker is woken by graphile-worker's built-in LISTEN/NOTIFY.
import { run as runWorker } from 'graphile-worker';
import {
  graphileLogger,
  prepareGraphileDatabase,
  TASK,
  THROUGHPUT_PRESET,
} from '../fixtures/graphile-worker.ts';
import { LatencyRecorder, measureLatency } from '../latency.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareGraphileDatabase(url);
}

export async function run({ url }: ScenarioContext): Promise<ScenarioOutcome> {
  const recorder = new LatencyRecorder();
  const runner = await runWorker({
    connectionString: url,
    logger: graphileLogger,
    noHandleSignals: true,
    taskList: {
      [TASK]: async (payload) => recorder.record(payload),
    },
    // No local queue: it trades latency for fewer fetches (see its docs).
    preset: { worker: THROUGHPUT_PRESET },
  });
  try {
    return await measureLatency(recorder, (probe) => runner.addJob(TASK, probe));
  } finally {
    await runner.stop();
  }
}
