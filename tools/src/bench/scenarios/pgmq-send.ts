// pgmq.send: single-message pgmq.send calls from 8 concurrent connections,
// the raw counterpart of commandbus.send.
import type { DatabasePool } from 'slonik';
import { send } from '@commandbus/pgmq';
import {
  benchMessage,
  expectQueueLength,
  openPgmqPool,
  PGMQ_QUEUE,
  preparePgmqDatabase,
} from '../fixtures/pgmq.ts';
import { runOnHeldConnections } from '../load.ts';
import { timeAfterWarmup, type OperationBudget } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return preparePgmqDatabase(url);
}

export async function run(context: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openPgmqPool(context.url, CONNECTIONS);
  try {
    const { warmup, count, seconds, peakRssMb } = await timeAfterWarmup(context, (budget) =>
      sendEach(pool, budget),
    );
    await expectQueueLength(pool, warmup + count);
    return { count, seconds, peakRssMb };
  } finally {
    await pool.end();
  }
}

/** One pgmq.send per operation of `budget`, over all connections. */
function sendEach(pool: DatabasePool, budget: OperationBudget): Promise<void> {
  return runOnHeldConnections(pool, budget, CONNECTIONS, (connection, i) =>
    send(connection, { queue: PGMQ_QUEUE, message: benchMessage(i) }),
  );
}
