// commandbus.send: 8 concurrent producers, each sending one command per
// Producer.send call (command row, PGMQ message, msg id, SENT audit row and
// NOTIFY, in one statement). `held`: each producer sends on a connection it
// holds for the run (`{ connection }`), as floor.send and pgmq.send do, so the
// three compare the same work. `pool`: each call checks a connection out of
// the pool and back, the cost of the simplest call.
import type { DatabasePool, DatabasePoolConnection } from 'slonik';
import type { Producer } from '@commandbus/commandbus';
import {
  BenchCommand,
  newProducer,
  openBusPool,
  prepareBusDatabase,
  timeSendsAndCheck,
} from '../fixtures/commandbus.ts';
import { runConcurrently, runOnHeldConnections } from '../load.ts';
import type { OperationBudget } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const PRODUCERS = 8;

export type Connections = 'held' | 'pool';

export function prepare({ url }: ScenarioContext): Promise<void> {
  return prepareBusDatabase(url);
}

export async function run(
  context: ScenarioContext,
  connections: Connections,
): Promise<ScenarioOutcome> {
  // One connection per producer, as eight producer processes would have.
  const pool = await openBusPool(context.url, PRODUCERS);
  try {
    const producers = Array.from({ length: PRODUCERS }, () => newProducer(pool));
    // Creates the queues, as a service sending in its own transactions does at start-up.
    await producers[0]?.setup();
    return await timeSendsAndCheck(pool, context, (budget) =>
      connections === 'held'
        ? sendOnHeldConnections(pool, producers, budget)
        : sendThroughPool(producers, budget),
    );
  } finally {
    await pool.end();
  }
}

function sendOnHeldConnections(
  pool: DatabasePool,
  producers: readonly Producer[],
  budget: OperationBudget,
): Promise<void> {
  return runOnHeldConnections(pool, budget, PRODUCERS, (connection, n, loop) =>
    send(producers, loop, n, connection),
  );
}

function sendThroughPool(producers: readonly Producer[], budget: OperationBudget): Promise<void> {
  return runConcurrently(budget, PRODUCERS, (n, loop) => send(producers, loop, n, undefined));
}

function send(
  producers: readonly Producer[],
  loop: number,
  n: number,
  connection: DatabasePoolConnection | undefined,
): Promise<unknown> {
  const producer = producers[loop];
  if (!producer) throw new Error(`no producer for loop ${loop}`);
  return producer.send(BenchCommand, { data: { n } }, { connection });
}
