// Regression (chaos suite, duplicate-storm: 36 deadlocks in one run): senders
// of overlapping command_ids in different orders deadlocked on the unique
// index; slonik's silent query retry hid it, at a second's delay each time.
import { randomUUID } from 'node:crypto';
import { createPool, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, Producer } from '../src/index.ts';
import { quietLogger, useBusDatabase } from './bus-fixture.ts';

const note = defineCommand({ type: 'race.Note', data: z.object({}) });

describe('concurrent senders', () => {
  const db = useBusDatabase();
  // No retry: a deadlock must surface here instead of being repeated away.
  const pools: DatabasePool[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++)
      pools.push(await createPool(db().url, { queryRetryLimit: 0, maximumPoolSize: 1 }));
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
  });

  it('two producers sending the same ids in opposite orders never deadlock, and each id is new once', async () => {
    const domain = 'race_order';
    const [forward, backward] = pools.map(
      (pool) => new Producer({ pool, domain, logger: quietLogger }),
    ) as [Producer, Producer];
    await forward.setup();
    for (let round = 0; round < 10; round++) {
      const ids = Array.from({ length: 100 }, () => randomUUID());
      const items = (order: readonly string[]) =>
        order.map((commandId) => ({ command: note, input: { commandId, data: {} } }));
      const [a, b] = await Promise.all([
        forward.sendBatch(items(ids)),
        backward.sendBatch(items([...ids].reverse())),
      ]);
      const fresh = [...a, ...b]
        .filter((result) => !result.duplicate)
        .map((result) => result.commandId);
      expect(new Set(fresh).size).toBe(ids.length);
      expect(fresh).toHaveLength(ids.length);
    }
  });
});
