// Regression (chaos suite, duplicate-storm: 36 deadlocks in one run): senders
// of overlapping command_ids in different orders deadlocked on the unique
// index; slonik's silent query retry hid it, at a second's delay each time.
import { randomUUID } from 'node:crypto';
import { createPool, sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCommand, Producer } from '../src/index.ts';
import { quietLogger, useBusDatabase } from './bus-fixture.ts';

const note = defineCommand({ type: 'race.Note', data: z.object({}) });

/** Per id, in the order given: its command rows, SENT audit events and queue messages. */
async function copiesPerId(pool: DatabasePool, domain: string, ids: readonly string[]) {
  return pool.any(
    sql.type(
      z.object({
        commandId: z.string(),
        rows: z.number(),
        sentEvents: z.number(),
        messages: z.number(),
      }),
    )`
      SELECT t.id::text AS "commandId",
             (SELECT count(*)::int FROM commandbus.command AS c
               WHERE c.domain = ${domain} AND c.command_id = t.id) AS rows,
             (SELECT count(*)::int FROM commandbus.audit AS a
               WHERE a.domain = ${domain} AND a.command_id = t.id AND a.event_type = 'SENT') AS "sentEvents",
             (SELECT count(*)::int FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])} AS q
               WHERE q.message->>'command_id' = t.id::text) AS messages
        FROM unnest(${sql.array(ids, 'uuid')}) WITH ORDINALITY AS t(id, ord)
       ORDER BY t.ord`,
  );
}

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

  it('two producers sending the same ids in opposite orders never deadlock, and each id is new once, with one row, one SENT event and one message', async () => {
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
      // A sender that lost an id to the other may have sent its message already: it must be gone.
      expect(await copiesPerId(db().pool, domain, ids)).toEqual(
        ids.map((commandId) => ({ commandId, rows: 1, sentEvents: 1, messages: 1 })),
      );
    }
  });
});
