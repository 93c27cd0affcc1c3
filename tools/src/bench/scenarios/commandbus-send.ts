// commandbus.send: 8 concurrent producers, each sending one command per
// Producer.send call (command row, PGMQ message, msg id, SENT audit row and
// NOTIFY, in one transaction).
import type { DatabasePool } from 'slonik';
import {
  BenchCommand,
  newProducer,
  openBusPool,
  prepareBusDatabase,
  timeSendsAndCheck,
} from '../fixtures/commandbus.ts';
import { WorkBudget } from '../load.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const PRODUCERS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url);
}

export async function run({ url, count }: ScenarioContext): Promise<ScenarioOutcome> {
  // One connection per producer, as eight producer processes would have.
  const pool = await openBusPool(url, PRODUCERS);
  try {
    return await timeSendsAndCheck(pool, count, (first, n) => sendEach(pool, first, n));
  } finally {
    await pool.end();
  }
}

/** Commands first..first+count-1, one Producer.send each, from all producers. */
async function sendEach(pool: DatabasePool, first: number, count: number): Promise<void> {
  const budget = new WorkBudget(count);
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      const producer = newProducer(pool);
      for (let i = budget.take(); i !== undefined; i = budget.take()) {
        await producer.send(BenchCommand, { data: { n: first + i } });
      }
    }),
  );
}
