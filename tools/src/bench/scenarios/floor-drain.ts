// floor.drain.rN: the V001 floor of a drain, pre-loaded commands consumed by
// 2 connections (one per core: more only contend), each looping a receive of
// up to N (read, IN_PROGRESS, RECEIVED audit; committed, as the lease must be
// before a handler runs) and a finish (COMPLETED, audit, delete). No handler,
// no envelope check, no Node work between the two.
import { expectCommands, openBusPool } from '../fixtures/commandbus.ts';
import { finish, prepareFloorDatabase, receive } from '../fixtures/floor.ts';
import { drainOnHeldConnections } from '../load.ts';
import { WarmupGate } from '../measure.ts';
import type { ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CONNECTIONS = 2;

export function prepare({ url, count, warmup }: ScenarioContext): Promise<void> {
  return prepareFloorDatabase(url, warmup + count);
}

export async function run(
  { url, count, warmup }: ScenarioContext,
  readSize: number,
): Promise<ScenarioOutcome> {
  const pool = await openBusPool(url, CONNECTIONS);
  try {
    const gate = new WarmupGate(warmup);
    await drainOnHeldConnections(pool, CONNECTIONS, gate, async (connection) => {
      const received = await receive(connection, readSize);
      if (received.commandIds.length > 0) await finish(connection, received);
      return received.commandIds.length;
    });
    const timed = gate.stop();
    await expectCommands(pool, { total: warmup + count, status: 'completed', queued: 0 });
    return timed;
  } finally {
    await pool.end();
  }
}
