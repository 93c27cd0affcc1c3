// pg-boss.latency: send → handler start at a steady 100/s, with the minimum
// polling interval (0.5 s) or, for pg-boss.latency.notify, with the
// LISTEN/NOTIFY wake-up pg-boss 12 documents (`useListenNotify` + queue `notify`).
import {
  BOSS_QUEUE,
  POLLING_LATENCY_WORK_OPTIONS,
  prepareBossDatabase,
  startBoss,
  stopBoss,
} from '../fixtures/pg-boss.ts';
import { LatencyRecorder, measureLatency } from '../latency.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

export function prepare({ url }: ScenarioContext, listenNotify: boolean): Promise<void> {
  return prepareBossDatabase(url, { listenNotify });
}

export async function run(
  { url }: ScenarioContext,
  listenNotify: boolean,
): Promise<ScenarioOutcome> {
  const boss = await startBoss(url, { listenNotify });
  const recorder = new LatencyRecorder();
  try {
    await boss.work(BOSS_QUEUE, POLLING_LATENCY_WORK_OPTIONS, async (jobs) => {
      for (const job of jobs) recorder.record(job.data);
    });
    return await measureLatency(recorder, (probe) => boss.send(BOSS_QUEUE, probe));
  } finally {
    await stopBoss(boss);
  }
}
