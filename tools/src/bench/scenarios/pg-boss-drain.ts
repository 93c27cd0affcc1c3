// pg-boss.drain: pre-loaded jobs drained by `work` with the documented
// throughput options (8 workers, batches of 100, burst while batches are full).
import {
  BOSS_QUEUE,
  countUnfinished,
  prepareBossDatabase,
  startBoss,
  stopBoss,
  THROUGHPUT_WORK_OPTIONS,
} from '../fixtures/pg-boss.ts';
import { WarmupGate } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';
import { withClient } from '../sql-client.ts';
import { drainTimeoutMs, waitUntil } from '../wait-until.ts';

export function prepare({ url, count, warmup }: ScenarioContext): Promise<void> {
  return prepareBossDatabase(url, { preload: warmup + count });
}

export async function run({ url, count, warmup }: ScenarioContext): Promise<ScenarioOutcome> {
  const boss = await startBoss(url);
  try {
    const total = warmup + count;
    const gate = new WarmupGate(warmup);
    const timeoutMs = drainTimeoutMs(total);
    await boss.work(BOSS_QUEUE, THROUGHPUT_WORK_OPTIONS, async (jobs) => {
      gate.count(jobs.length);
    });
    // Handlers first (free to check), then the database: pg-boss completes a
    // batch after its handler returns, and only then is the drain done.
    await waitUntil(() => gate.seen >= total, {
      timeoutMs,
      description: `${total} jobs to reach a handler`,
    });
    await withClient(url, (client) =>
      waitUntil(async () => (await countUnfinished(client)) === 0, {
        timeoutMs,
        description: `${total} jobs to be completed`,
      }),
    );
    const timed = gate.stop();
    if (gate.seen !== total)
      throw new Error(`expected ${total} jobs handled once, got ${gate.seen} deliveries`);
    return timed;
  } finally {
    await stopBoss(boss);
  }
}
