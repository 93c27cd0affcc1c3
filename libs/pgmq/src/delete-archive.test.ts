// Conformance: finishing messages with delete and archive, one or many.
import { useTestDatabase } from '@commandbus/testing';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { archive, archiveMessages } from './archive.ts';
import { deleteMessage, deleteMessages } from './delete.ts';
import { metrics } from './metrics.ts';
import { read } from './read.ts';
import { send, sendBatch } from './send.ts';
import { queueMaker } from './test-support/new-queue.ts';

const db = useTestDatabase();
const newQueue = queueMaker(db, 'fin');

const archivedRow = z.object({
  msg_id: z.number(),
  read_ct: z.number(),
  message: z.unknown(),
  headers: z.unknown(),
  has_archived_at: z.boolean(),
});
function archivedRows(queue: string) {
  return db().pool.any(sql.type(archivedRow)`
    SELECT msg_id::float8 AS msg_id, read_ct, message, headers, archived_at IS NOT NULL AS has_archived_at
    FROM ${sql.identifier(['pgmq', `a_${queue}`])}
    ORDER BY msg_id
  `);
}

describe('delete', () => {
  it('deleting a message returns true once, then false; the message is gone', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: 'done' });
    await read(db().pool, { queue, vt: 0, qty: 1 });
    expect(await deleteMessage(db().pool, { queue, msgId })).toBe(true);
    expect(await deleteMessage(db().pool, { queue, msgId })).toBe(false);
    expect(await read(db().pool, { queue, vt: 30, qty: 10 })).toEqual([]);
    expect(await archivedRows(queue)).toEqual([]);
  });

  it('deleting an array of ids returns only the ids that existed', async () => {
    const queue = await newQueue();
    const [a, b, c] = await sendBatch(db().pool, { queue, messages: ['a', 'b', 'c'] });
    const missing = c! + 1000;
    expect(await deleteMessages(db().pool, { queue, msgIds: [c!, a!, missing] })).toEqual([a, c]);
    expect(await deleteMessages(db().pool, { queue, msgIds: [a!] })).toEqual([]);
    expect((await read(db().pool, { queue, vt: 30, qty: 10 })).map((m) => m.msgId)).toEqual([b]);
  });
});

describe('archive', () => {
  it('archiving moves the message to pgmq.a_<queue>, payload and headers readable there', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, {
      queue,
      message: { order: 7 },
      headers: { trace: 't-1' },
    });
    await read(db().pool, { queue, vt: 30, qty: 1 });
    expect(await archive(db().pool, { queue, msgId })).toBe(true);

    expect((await metrics(db().pool, { queue })).queueLength).toBe(0);
    const rows = await archivedRows(queue);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      msg_id: msgId,
      read_ct: 1,
      message: { order: 7 },
      headers: { trace: 't-1' },
      has_archived_at: true,
    });
  });

  it('archiving a message that does not exist returns false and archives nothing', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: 'x' });
    expect(await archive(db().pool, { queue, msgId: msgId + 1000 })).toBe(false);
    expect(await archive(db().pool, { queue, msgId })).toBe(true);
    expect(await archive(db().pool, { queue, msgId })).toBe(false);
    expect(await archivedRows(queue)).toHaveLength(1);
  });

  it('archiving an array of ids returns only the ids that existed', async () => {
    const queue = await newQueue();
    const [a, b, c] = await sendBatch(db().pool, { queue, messages: ['a', 'b', 'c'] });
    await deleteMessage(db().pool, { queue, msgId: b! });
    expect(await archiveMessages(db().pool, { queue, msgIds: [a!, b!, c!, c! + 1000] })).toEqual([
      a,
      c,
    ]);
    expect((await archivedRows(queue)).map((r) => [r.msg_id, r.message])).toEqual([
      [a, 'a'],
      [c, 'c'],
    ]);
    expect((await metrics(db().pool, { queue })).queueLength).toBe(0);
  });

  it('an archive inside a rolled-back transaction leaves the message in the queue', async () => {
    const queue = await newQueue();
    const msgId = await send(db().pool, { queue, message: 'keep' });
    await expect(
      db().pool.transaction(async (tx) => {
        expect(await archive(tx, { queue, msgId })).toBe(true);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await archivedRows(queue)).toEqual([]);
    expect((await read(db().pool, { queue, vt: 30, qty: 1 })).map((m) => m.msgId)).toEqual([msgId]);
  });
});
