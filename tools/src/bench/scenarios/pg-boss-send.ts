// pg-boss.send: 8 concurrent senders, one job per `send` call, the
// counterpart of commandbus.send and pgmq.send.
import {
  BOSS_QUEUE,
  countJobs,
  prepareBossDatabase,
  startBoss,
  stopBoss,
} from '../fixtures/pg-boss.ts';
import { runConcurrently } from '../load.ts';
import { timeAfterWarmup } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const SENDERS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareBossDatabase(url);
}

export async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const boss = await startBoss(context.url);
  try {
    const { warmup, count, seconds, peakRssMb } = await timeAfterWarmup(context, (budget) =>
      runConcurrently(budget, SENDERS, (i) => boss.send(BOSS_QUEUE, { n: i })),
    );
    const jobs = await countJobs(context.url);
    if (jobs !== warmup + count) throw new Error(`expected ${warmup + count} jobs, found ${jobs}`);
    return { count, seconds, peakRssMb };
  } finally {
    await stopBoss(boss);
  }
}
