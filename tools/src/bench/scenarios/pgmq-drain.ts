// pgmq.drain: pre-loaded messages consumed by 8 connections, each looping
// `read` of 10 then one `delete` of the id array. No bookkeeping at all: the
// ceiling for any consumer built on PGMQ.
import { deleteMessages, read } from '@commandbus/pgmq';
import {
  expectQueueLength,
  openPgmqPool,
  PGMQ_QUEUE,
  preparePgmqDatabase,
} from '../fixtures/pgmq.ts';
import { drainOnHeldConnections } from '../load.ts';
import { WarmupGate } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 8;
const READ_SIZE = 10;
const LEASE_SECONDS = 30;

export function prepare({ url, count, warmup }: ScenarioContext): Promise<void> {
  return preparePgmqDatabase(url, warmup + count);
}

export async function run({ url, count, warmup }: ScenarioContext): Promise<ScenarioOutcome> {
  const pool = await openPgmqPool(url, CONNECTIONS);
  try {
    const gate = new WarmupGate(warmup);
    await drainOnHeldConnections(pool, CONNECTIONS, gate, async (connection) => {
      const messages = await read(connection, {
        queue: PGMQ_QUEUE,
        vt: LEASE_SECONDS,
        qty: READ_SIZE,
      });
      if (messages.length === 0) return 0;
      const ids = await deleteMessages(connection, {
        queue: PGMQ_QUEUE,
        msgIds: messages.map((m) => m.msgId),
      });
      return ids.length;
    });
    const timed = gate.stop();
    if (gate.seen !== warmup + count)
      throw new Error(`expected ${warmup + count} messages deleted, got ${gate.seen}`);
    await expectQueueLength(pool, 0);
    return timed;
  } finally {
    await pool.end();
  }
}
