// floor.send: the V001 floor of commandbus.send, one command per statement
// from 8 connections held for the run, exactly as pgmq.send sends.
import type { DatabasePool } from 'slonik';
import { openBusPool, timeSendsAndCheck } from '../fixtures/commandbus.ts';
import { prepareFloorDatabase, sendOne } from '../fixtures/floor.ts';
import { runOnHeldConnections } from '../load.ts';
import type { OperationBudget } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareFloorDatabase(url);
}

export async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openBusPool(context.url, CONNECTIONS);
  try {
    return await timeSendsAndCheck(pool, context, (budget) => sendEach(pool, budget));
  } finally {
    await pool.end();
  }
}

/** One statement per operation of `budget`, over all connections. */
function sendEach(pool: DatabasePool, budget: OperationBudget): Promise<void> {
  return runOnHeldConnections(pool, budget, CONNECTIONS, (connection, i) => sendOne(connection, i));
}
