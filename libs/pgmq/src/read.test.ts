// Conformance: leasing with read, read_with_poll, pop and set_vt.
import { useTestDatabase, waitFor } from '@commandbus/testing';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { metrics } from './metrics.ts';
import { databaseClock, queueRowVts } from './test-support/queue-table-fixture.ts';
import { pop, read, readWithPoll } from './read.ts';
import { send, sendBatch } from './send.ts';
import { setVt } from './set-vt.ts';
import { queueMaker } from './test-support/new-queue.ts';

const db = useTestDatabase();
const newQueue = queueMaker(db, 'read');

class Rollback extends Error {}

// Where a test relies on a message staying invisible, the lease is this long,
// so that no pause of a loaded machine can outlast it.
const LONG_LEASE = 300;

// Every test has its own queue, so most run concurrently; the read_with_poll
// arrival test runs alone, since it watches pg_stat_activity for its poll.
describe.concurrent('read', () => {
  it('returns messages with numeric ids and Date timestamps', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: { hello: 'world' } });
    const [message] = await read(db().pool, { queue, vt: 30, qty: 1 });
    expect(message).toMatchObject({
      msgId,
      readCount: 1,
      message: { hello: 'world' },
      headers: null,
    });
    expect(typeof message?.msgId).toBe('number');
    expect(message?.enqueuedAt).toBeInstanceOf(Date);
    expect(message?.vt).toBeInstanceOf(Date);
    // The lease ends vt seconds after the read, which is after enqueueing.
    expect(message!.vt.getTime() - message!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(30_000);
  });

  it('a read sets vt to the read time plus vt seconds, and no reader sees the message before then', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: { lease: 1 } });
    const from = await databaseClock(db().pool);
    const [leased] = await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 });
    const to = await databaseClock(db().pool);
    expect(leased).toMatchObject({ msgId, readCount: 1 });

    const [row] = await queueRowVts(db().pool, queue, { from, to });
    expect(row).toMatchObject({ msgId, readCount: 1 });
    expect(row!.vtAfterFrom).toBeGreaterThanOrEqual(LONG_LEASE);
    expect(row!.vtAfterTo).toBeLessThanOrEqual(LONG_LEASE);
    expect(await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 })).toEqual([]);
    expect(await pop(db().pool, { queue })).toBeNull();
    expect((await metrics(db().pool, { queue })).queueVisibleLength).toBe(0);
  });

  it('once its lease has ended, a message is read again with read_ct one higher', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: { lease: 1 } });
    const [first] = await read(db().pool, { queue, vt: 1, qty: 1 });
    expect(first).toMatchObject({ msgId, readCount: 1 });

    const [second] = await waitFor(
      async () => {
        const got = await read(db().pool, { queue, vt: 30, qty: 1 });
        return got.length > 0 ? got : undefined;
      },
      { description: 'the message to become visible again', timeoutMs: 30_000 },
    );
    expect(second).toMatchObject({ msgId, readCount: 2, message: { lease: 1 } });
    // Redelivered no earlier than the first lease's end: the second read
    // happened at its vt minus 30 s, both on the server's clock.
    expect(second!.vt.getTime() - 30_000).toBeGreaterThanOrEqual(first!.vt.getTime());
  });

  it('returns at most qty messages, the lowest msg ids among visible ones first', async () => {
    const queue = await newQueue();
    const ids = await sendBatch(db().pool, { queue, messages: [1, 2, 3, 4, 5, 6] });
    const leased = await read(db().pool, { queue, vt: LONG_LEASE, qty: 2 });
    expect(leased.map((m) => m.msgId)).toEqual(ids.slice(0, 2));
    // Releasing the lease of the first message puts it back in front.
    await setVt(db().pool, { queue, msgId: ids[0]!, vt: 0 });
    const next = await read(db().pool, { queue, vt: LONG_LEASE, qty: 3 });
    expect(next.map((m) => m.msgId)).toEqual([ids[0], ids[2], ids[3]]);
  });

  it('returns an empty list from an empty queue', async () => {
    const queue = await newQueue();
    expect(await read(db().pool, { queue, vt: 30, qty: 5 })).toEqual([]);
  });

  it('with a conditional, returns only messages whose JSON contains it', async () => {
    const queue = await newQueue();
    const messages = [
      { type: 'order', region: 'eu', n: 1 },
      { type: 'refund', region: 'eu', n: 2 },
      { type: 'order', region: 'us', n: 3 },
      { type: 'order', region: 'eu', n: 4 },
    ];
    await sendBatch(db().pool, { queue, messages });
    const orders = await read(db().pool, {
      queue,
      vt: LONG_LEASE,
      qty: 10,
      conditional: { type: 'order', region: 'eu' },
    });
    expect(orders.map((m) => m.message)).toEqual([messages[0], messages[3]]);
    const rest = await read(db().pool, { queue, vt: 30, qty: 10, conditional: {} });
    expect(rest.map((m) => m.message)).toEqual([messages[1], messages[2]]);
  });

  it('a lease taken in a transaction that rolls back is released', async () => {
    const queue = await newQueue();
    await send(db().pool, { queue, message: 'x' });
    await expect(
      db().pool.transaction(async (tx) => {
        expect(await read(tx, { queue, vt: LONG_LEASE, qty: 1 })).toHaveLength(1);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    const [again] = await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 });
    expect(again?.readCount).toBe(1);
  });
});

describe.concurrent('set_vt', () => {
  it('set_vt 0 makes a leased message visible at once and returns the updated message', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: 'retry me' });
    await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 });
    expect(await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 })).toEqual([]);

    const updated = await setVt(db().pool, { queue, msgId, vt: 0 });
    expect(updated).toMatchObject({ msgId, readCount: 1, message: 'retry me' });
    const [again] = await read(db().pool, { queue, vt: 30, qty: 1 });
    expect(again).toMatchObject({ msgId, readCount: 2 });
  });

  it('set_vt extends a lease: vt becomes now plus the new seconds, and the message stays invisible', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: 'long job' });
    const [leased] = await read(db().pool, { queue, vt: 30, qty: 1 });
    const from = await databaseClock(db().pool);
    const extended = await setVt(db().pool, { queue, msgId, vt: LONG_LEASE });
    const to = await databaseClock(db().pool);
    // set_vt ran after the read: its vt is at least 300 - 30 s past the lease's.
    expect(extended!.vt.getTime() - leased!.vt.getTime()).toBeGreaterThanOrEqual(
      (LONG_LEASE - 30) * 1000,
    );
    expect(extended?.readCount).toBe(1);
    const [row] = await queueRowVts(db().pool, queue, { from, to });
    expect(row).toMatchObject({ msgId, readCount: 1 });
    expect(row!.vtAfterFrom).toBeGreaterThanOrEqual(LONG_LEASE);
    expect(row!.vtAfterTo).toBeLessThanOrEqual(LONG_LEASE);
    expect(await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 })).toEqual([]);
    expect((await metrics(db().pool, { queue })).queueVisibleLength).toBe(0);
  });

  it('set_vt on a message id that does not exist returns null', async () => {
    const queue = await newQueue();
    expect(await setVt(db().pool, { queue, msgId: 424242, vt: 0 })).toBeNull();
  });
});

describe.concurrent('pop', () => {
  it('takes the oldest visible message off the queue, skipping leased ones', async () => {
    const queue = await newQueue();
    const ids = await sendBatch(db().pool, { queue, messages: ['a', 'b', 'c'] });
    await read(db().pool, { queue, vt: LONG_LEASE, qty: 1 }); // leases 'a'
    const popped = await pop(db().pool, { queue });
    expect(popped).toMatchObject({ msgId: ids[1], message: 'b' });
    expect((await metrics(db().pool, { queue })).queueLength).toBe(2);
    expect((await pop(db().pool, { queue }))?.msgId).toBe(ids[2]);
    expect(await pop(db().pool, { queue })).toBeNull();
  });
});

describe('read_with_poll', () => {
  const pollRunning = z.object({ n: z.number() });

  // The polls below may wait longer than the test's timeout: a poll that only
  // returned at its deadline would fail the test instead of passing slowly.
  const POLL_OUTLASTING_THE_TEST = 120;

  it('returns as soon as a message arrives during the poll', async () => {
    const queue = await newQueue();
    const polling = readWithPoll(db().pool, {
      queue,
      vt: 30,
      qty: 5,
      maxPollSeconds: POLL_OUTLASTING_THE_TEST,
      pollIntervalMs: 50,
    });
    // Send only once the poll is really waiting in the database.
    await waitFor(
      async () => {
        const n = await db().pool.oneFirst(sql.type(pollRunning)`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active'
          AND pid <> pg_backend_pid() AND query LIKE '%pgmq.read_with_poll(%'
      `);
        return n > 0;
      },
      { description: 'read_with_poll to be running' },
    );
    const msgId = await send(db().pool, { queue, message: 'arrived' });

    const got = await polling;
    expect(got.map((m) => m.msgId)).toEqual([msgId]);
    expect(got[0]?.readCount).toBe(1);
  });

  it.concurrent(
    'returns an empty list once max_poll_seconds have passed without a message',
    async () => {
      const queue = await newQueue();
      const from = await databaseClock(db().pool);
      const got = await readWithPoll(db().pool, {
        queue,
        vt: 30,
        qty: 1,
        maxPollSeconds: 1,
        pollIntervalMs: 100,
      });
      expect(got).toEqual([]);
      // It kept polling for the whole second, measured on the server's clock.
      const polledSeconds = await db().pool.oneFirst(
        sql.type(z.object({ seconds: z.number() }))`
          SELECT extract(epoch FROM clock_timestamp() - ${from}::timestamptz)::float8 AS seconds
        `,
      );
      expect(polledSeconds).toBeGreaterThanOrEqual(1);
    },
  );

  it.concurrent('returns at once when a message is already visible', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: 'waiting' });
    const got = await readWithPoll(db().pool, {
      queue,
      vt: 30,
      qty: 1,
      maxPollSeconds: POLL_OUTLASTING_THE_TEST,
    });
    expect(got.map((m) => m.msgId)).toEqual([msgId]);
  });
});
