// floor.send: the V001 floor of commandbus.send, one command per statement
// from 8 connections held for the run, exactly as pgmq.send sends.
import type { DatabasePool } from 'slonik';
import { openBusPool, timeSendsAndCheck } from '../fixtures/commandbus.ts';
import { prepareFloorDatabase, sendOne } from '../fixtures/floor.ts';
import { runOnHeldConnections } from '../load.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareFloorDatabase(url);
}

export async function run({ url, count }: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openBusPool(url, CONNECTIONS);
  try {
    return await timeSendsAndCheck(pool, count, (first, n) => sendEach(pool, first, n));
  } finally {
    await pool.end();
  }
}

/** Commands first..first+count-1, one statement each, over all connections. */
function sendEach(pool: DatabasePool, first: number, count: number): Promise<void> {
  return runOnHeldConnections(pool, count, CONNECTIONS, (connection, i) =>
    sendOne(connection, first + i),
  );
}
