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
import { timeAfterWarmup } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 8;

export function prepare({ url }: ScenarioContext): Promise<void> {
  return preparePgmqDatabase(url);
}

export async function run({ url, count }: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openPgmqPool(url, CONNECTIONS);
  try {
    const { warmup, seconds, peakRssMb } = await timeAfterWarmup(count, (first, n) =>
      sendEach(pool, first, n),
    );
    await expectQueueLength(pool, warmup + count);
    return { count, seconds, peakRssMb };
  } finally {
    await pool.end();
  }
}

/** Messages first..first+count-1, one pgmq.send each, over all connections. */
function sendEach(pool: DatabasePool, first: number, count: number): Promise<void> {
  return runOnHeldConnections(pool, count, CONNECTIONS, (connection, i) =>
    send(connection, { queue: PGMQ_QUEUE, message: benchMessage(first + i) }),
  );
}
