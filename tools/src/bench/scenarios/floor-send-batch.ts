// floor.send_batch: the V001 floor of commandbus.send_batch, 100 commands per
// statement on one connection, exactly as pgmq.send_batch sends.
import { openBusPool, timeSendsAndCheck } from '../fixtures/commandbus.ts';
import { prepareFloorDatabase, sendMany } from '../fixtures/floor.ts';
import { chunksFromBudget } from '../load.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const BATCH_SIZE = 100;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareFloorDatabase(url);
}

export async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openBusPool(context.url, 1);
  try {
    return await timeSendsAndCheck(pool, context, (budget) =>
      pool.connect((connection) =>
        chunksFromBudget(budget, BATCH_SIZE, (start, length) =>
          sendMany(connection, start, length),
        ),
      ),
    );
  } finally {
    await pool.end();
  }
}
