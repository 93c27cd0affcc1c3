// Conformance: enqueueing with send and send_batch (ids, order, delay,
// headers, transactions).
import { useTestDatabase, waitFor } from '@commandbus/testing';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QueueNotFoundError } from './errors.ts';
import { metrics } from './metrics.ts';
import { databaseClock, queueRowVts } from './test-support/queue-table-fixture.ts';
import { read } from './read.ts';
import { send, sendBatch } from './send.ts';
import { queueMaker } from './test-support/new-queue.ts';

const db = useTestDatabase();
const newQueue = queueMaker(db, 'send');

class Rollback extends Error {}

// Where a test relies on a message staying invisible, the delay is this long,
// so that no pause of a loaded machine can outlast it.
const LONG_DELAY = 300;

/** The database's clock plus `seconds`, as a Date. */
async function databaseClockPlus(seconds: number): Promise<Date> {
  const iso = await db().pool.oneFirst(
    sql.type(z.object({ at: z.string() }))`
      SELECT to_json(clock_timestamp() + make_interval(secs => ${seconds})) #>> '{}' AS at
    `,
  );
  return new Date(iso);
}

/** Whether every message of the queue has exactly `vt` as its vt. */
async function everyVtIs(queue: string, vt: Date): Promise<boolean> {
  return db().pool.oneFirst(sql.type(z.object({ exact: z.boolean() }))`
    SELECT count(*) > 0 AND bool_and(vt = ${vt.toISOString()}::timestamptz) AS exact
    FROM ${sql.identifier(['pgmq', `q_${queue}`])}
  `);
}

// Every test has its own queue, so they run concurrently: the delay tests
// spend most of their time waiting.
describe.concurrent('send', () => {
  it('returns increasing msg ids, and read hands messages out in msg id order', async () => {
    const queue = await newQueue();
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push(await send(db().pool, { queue, message: { n } }));
    expect(ids.every((id) => Number.isSafeInteger(id))).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(3);

    const first = await read(db().pool, { queue, vt: 30, qty: 1 });
    const rest = await read(db().pool, { queue, vt: 30, qty: 10 });
    expect(first.map((m) => m.msgId)).toEqual([ids[0]]);
    expect(rest.map((m) => m.msgId)).toEqual(ids.slice(1));
    expect(rest.map((m) => m.message)).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('a send inside a transaction that rolls back leaves no message', async () => {
    const queue = await newQueue();
    await expect(
      db().pool.transaction(async (tx) => {
        const msgId = await send(tx, { queue, message: { doomed: true } });
        expect(msgId).toBeGreaterThan(0);
        // Visible to the transaction itself, before the rollback.
        expect((await metrics(tx, { queue })).queueLength).toBe(1);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect((await metrics(db().pool, { queue })).queueLength).toBe(0);
    expect(await read(db().pool, { queue, vt: 30, qty: 10 })).toEqual([]);

    await db().pool.transaction((tx) => send(tx, { queue, message: { kept: true } }));
    expect((await read(db().pool, { queue, vt: 30, qty: 10 })).map((m) => m.message)).toEqual([
      { kept: true },
    ]);
  });

  it('a delay in seconds sets vt that long after the send, and no reader sees the message before', async () => {
    const queue = await newQueue();
    const from = await databaseClock(db().pool);
    const msgId = await send(db().pool, { queue, message: { delayed: true }, delay: LONG_DELAY });
    const to = await databaseClock(db().pool);

    const [row] = await queueRowVts(db().pool, queue, { from, to });
    expect(row).toMatchObject({ msgId, readCount: 0 });
    expect(row!.vtAfterEnqueued).toBeGreaterThanOrEqual(LONG_DELAY);
    expect(row!.vtAfterFrom).toBeGreaterThanOrEqual(LONG_DELAY);
    expect(row!.vtAfterTo).toBeLessThanOrEqual(LONG_DELAY);
    expect(await read(db().pool, { queue, vt: 30, qty: 1 })).toEqual([]);
    expect((await metrics(db().pool, { queue })).queueVisibleLength).toBe(0);
  });

  it('a message delayed in seconds is read once the delay has passed', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: { delayed: true }, delay: 1 });
    const [message] = await waitFor(
      async () => {
        const got = await read(db().pool, { queue, vt: 5, qty: 1 });
        return got.length > 0 ? got : undefined;
      },
      { description: 'the delayed message', timeoutMs: 30_000 },
    );
    expect(message?.msgId).toBe(msgId);
    expect(message?.readCount).toBe(1);
    // The read happened at vt - 5 s on the server's clock: at least 1 s after enqueueing.
    expect(message!.vt.getTime() - 5000 - message!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(
      1000,
    );
  });

  it('a delay given as a timestamp becomes the vt, and no reader sees the message before', async () => {
    const queue = await newQueue();
    const visibleAt = await databaseClockPlus(LONG_DELAY);
    await send(db().pool, { queue, message: { at: 'timestamp' }, delay: visibleAt });
    expect(await everyVtIs(queue, visibleAt)).toBe(true);
    expect(await read(db().pool, { queue, vt: 30, qty: 1 })).toEqual([]);
    expect((await metrics(db().pool, { queue })).queueVisibleLength).toBe(0);
  });

  it('a message delayed to a timestamp is read once that moment has passed', async () => {
    const queue = await newQueue();
    const visibleAt = await databaseClockPlus(1);
    const msgId = await send(db().pool, { queue, message: { at: 'timestamp' }, delay: visibleAt });
    const [message] = await waitFor(
      async () => {
        const got = await read(db().pool, { queue, vt: 5, qty: 1 });
        return got.length > 0 ? got : undefined;
      },
      { description: 'the message delayed to a timestamp', timeoutMs: 30_000 },
    );
    expect(message?.msgId).toBe(msgId);
    // The read happened at vt - 5 s on the server's clock: not before visibleAt.
    expect(message!.vt.getTime() - 5000).toBeGreaterThanOrEqual(visibleAt.getTime());
  });

  it('headers round-trip, and a message sent without headers has null headers', async () => {
    const queue = await newQueue();
    const headers = { traceId: 'abc-123', nested: { attempt: 2, tags: ['x', 'y'] } };
    await send(db().pool, { queue, message: { with: 'headers' }, headers });
    await send(db().pool, { queue, message: { without: 'headers' } });
    const [withHeaders, withoutHeaders] = await read(db().pool, { queue, vt: 30, qty: 2 });
    expect(withHeaders?.headers).toEqual(headers);
    expect(withHeaders?.message).toEqual({ with: 'headers' });
    expect(withoutHeaders?.headers).toBeNull();
  });

  it('any JSON value is a valid message: objects, arrays, strings, numbers, null', async () => {
    const queue = await newQueue();
    const payloads = [{ a: [1, { b: 'ü €' }] }, [1, 2], 'text', 42.5, true, null];
    for (const message of payloads) await send(db().pool, { queue, message });
    const got = await read(db().pool, { queue, vt: 30, qty: 10 });
    expect(got.map((m) => m.message)).toEqual(payloads);
  });

  it('sending to a queue that was never created fails with QueueNotFoundError', async () => {
    const error = await send(db().pool, { queue: 'no_such_queue', message: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QueueNotFoundError);
    expect(error).toMatchObject({ code: 'QUEUE_NOT_FOUND' });
  });
});

describe.concurrent('send_batch', () => {
  it('returns one id per message, in input order, and stores each message with its headers', async () => {
    const queue = await newQueue();
    const messages = Array.from({ length: 50 }, (_, i) => ({ i }));
    const headers = messages.map(({ i }) => (i % 5 === 0 ? null : { h: i }));
    const ids = await sendBatch(db().pool, { queue, messages, headers });
    expect(ids).toHaveLength(50);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);

    const got = await read(db().pool, { queue, vt: 30, qty: 100 });
    expect(got.map((m) => m.msgId)).toEqual(ids);
    expect(got.map((m) => m.message)).toEqual(messages);
    expect(got.map((m) => m.headers)).toEqual(headers);
  });

  it('without headers stores null headers', async () => {
    const queue = await newQueue();
    await sendBatch(db().pool, { queue, messages: ['a', 'b'] });
    const got = await read(db().pool, { queue, vt: 30, qty: 10 });
    expect(got.map((m) => [m.message, m.headers])).toEqual([
      ['a', null],
      ['b', null],
    ]);
  });

  it('a delay in seconds applies to every message of the batch', async () => {
    const queue = await newQueue();
    const from = await databaseClock(db().pool);
    const ids = await sendBatch(db().pool, { queue, messages: [1, 2, 3], delay: LONG_DELAY });
    const to = await databaseClock(db().pool);

    const rows = await queueRowVts(db().pool, queue, { from, to });
    expect(rows.map((row) => row.msgId)).toEqual(ids);
    for (const row of rows) {
      expect(row.vtAfterEnqueued).toBeGreaterThanOrEqual(LONG_DELAY);
      expect(row.vtAfterFrom).toBeGreaterThanOrEqual(LONG_DELAY);
      expect(row.vtAfterTo).toBeLessThanOrEqual(LONG_DELAY);
    }
    expect(await read(db().pool, { queue, vt: 30, qty: 10 })).toEqual([]);
  });

  it('a delay given as a timestamp becomes the vt of every message of the batch', async () => {
    const queue = await newQueue();
    const visibleAt = await databaseClockPlus(LONG_DELAY);
    await sendBatch(db().pool, { queue, messages: [1, 2, 3], delay: visibleAt });
    expect(await everyVtIs(queue, visibleAt)).toBe(true);
    expect((await metrics(db().pool, { queue })).queueLength).toBe(3);
    expect(await read(db().pool, { queue, vt: 30, qty: 10 })).toEqual([]);
  });

  it('is all or nothing with the surrounding transaction', async () => {
    const queue = await newQueue();
    await expect(
      db().pool.transaction(async (tx) => {
        await sendBatch(tx, { queue, messages: [1, 2, 3] });
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect((await metrics(db().pool, { queue })).queueLength).toBe(0);
  });
});
