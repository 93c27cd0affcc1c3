// floor.send: the V001 floor of commandbus.send, one command per statement
// from 8 connections held for the run, exactly as pgmq.send sends.
import type { DatabasePool } from 'slonik';
import { expectCommands, openBusPool } from '../fixtures/commandbus.ts';
import { prepareFloorDatabase, sendOne } from '../fixtures/floor.ts';
import { WorkBudget } from '../load.ts';
import { timeAfterWarmup } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareFloorDatabase(url);
}

export async function run({ url, count }: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openBusPool(url, CONNECTIONS);
  try {
    const { warmup, seconds, peakRssMb } = await timeAfterWarmup(count, (first, n) =>
      sendEach(pool, first, n),
    );
    await expectCommands(pool, {
      total: warmup + count,
      status: 'pending',
      queued: warmup + count,
    });
    return { count, seconds, peakRssMb };
  } finally {
    await pool.end();
  }
}

async function sendEach(pool: DatabasePool, first: number, count: number): Promise<void> {
  const budget = new WorkBudget(count);
  await Promise.all(
    Array.from({ length: CONNECTIONS }, () =>
      pool.connect(async (connection) => {
        for (let i = budget.take(); i !== undefined; i = budget.take()) {
          await sendOne(connection, first + i);
        }
      }),
    ),
  );
}
