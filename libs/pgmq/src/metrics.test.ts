// Conformance: queue metrics.
import { useTestDatabase } from '@commandbus/testing';
import { describe, expect, it } from 'vitest';
import { deleteMessage } from './delete.ts';
import { QueueNotFoundError } from './errors.ts';
import { metrics, metricsAll } from './metrics.ts';
import { purgeQueue } from './queue-admin.ts';
import { read } from './read.ts';
import { send, sendBatch } from './send.ts';
import { queueMaker } from './test-support/new-queue.ts';

const db = useTestDatabase();
const newQueue = queueMaker(db, 'metrics');

describe('metrics', () => {
  it('counts messages in the queue, visible ones, and every message ever sent', async () => {
    const queue = await newQueue();
    const [, second] = await sendBatch(db().pool, { queue, messages: [1, 2, 3] });
    await send(db().pool, { queue, message: 4, delay: 3600 });
    await read(db().pool, { queue, vt: 60, qty: 1 }); // leases message 1
    await deleteMessage(db().pool, { queue, msgId: second! });

    const result = await metrics(db().pool, { queue });
    expect(result).toMatchObject({
      queueName: queue,
      queueLength: 3, // 1 (leased), 3, 4 (delayed)
      queueVisibleLength: 1, // only 3
      totalMessages: 4,
    });
    expect(result.scrapeTime).toBeInstanceOf(Date);
    expect(result.oldestMsgAgeSec).toBeGreaterThanOrEqual(0);
    expect(result.newestMsgAgeSec).toBeGreaterThanOrEqual(0);
    expect(result.oldestMsgAgeSec!).toBeGreaterThanOrEqual(result.newestMsgAgeSec!);
  });

  it('total_messages keeps counting messages that were deleted or purged', async () => {
    const queue = await newQueue();
    await sendBatch(db().pool, { queue, messages: [1, 2, 3, 4, 5] });
    expect(await purgeQueue(db().pool, { queue })).toBe(5);
    await send(db().pool, { queue, message: 6 });
    expect(await metrics(db().pool, { queue })).toMatchObject({ queueLength: 1, totalMessages: 6 });
  });

  it('an empty queue has length 0 and no message ages', async () => {
    const queue = await newQueue();
    expect(await metrics(db().pool, { queue })).toMatchObject({
      queueLength: 0,
      queueVisibleLength: 0,
      newestMsgAgeSec: null,
      oldestMsgAgeSec: null,
    });
  });

  it('metrics of a queue that does not exist fails with QueueNotFoundError', async () => {
    await expect(metrics(db().pool, { queue: 'no_such_queue' })).rejects.toBeInstanceOf(
      QueueNotFoundError,
    );
  });

  it('metrics_all returns one entry per queue with the same counts as metrics', async () => {
    const a = await newQueue();
    const b = await newQueue();
    await sendBatch(db().pool, { queue: a, messages: [1, 2] });
    await send(db().pool, { queue: b, message: 1 });
    const all = await metricsAll(db().pool);
    const names = all.map((m) => m.queueName);
    expect(new Set(names).size).toBe(names.length);
    expect(all.find((m) => m.queueName === a)).toMatchObject({ queueLength: 2, totalMessages: 2 });
    expect(all.find((m) => m.queueName === b)).toMatchObject({ queueLength: 1, totalMessages: 1 });
  });
});
