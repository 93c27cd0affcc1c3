// The producer's queues when every send runs inside the caller's transaction
// and nobody called setup(): created there while they might still roll
// back, remembered once committed, never remembered from a rollback.
import {
  createPool,
  type DatabasePool,
  type DatabaseTransactionConnection,
  type Interceptor,
} from 'slonik';
import { describe, expect, it } from 'vitest';
import { Producer } from '../src/index.ts';
import {
  commandState,
  endAfterTest,
  queueDepth,
  quietLogger,
  useBusDatabase,
} from './bus-fixture.ts';
import { ping } from './test-commands.ts';

describe('producer queues for sends in the caller’s transactions', () => {
  const db = useBusDatabase();

  /** A pool that records the text of every statement it runs. */
  async function recordingPool(): Promise<{ pool: DatabasePool; statements: string[] }> {
    const statements: string[] = [];
    const recorder: Interceptor = {
      name: 'record-statements',
      beforeQueryExecution: (_context, query) => {
        statements.push(query.sql);
        return null;
      },
    };
    const pool = endAfterTest(await createPool(db().url, { interceptors: [recorder] }));
    return { pool, statements };
  }

  const queueWork = (statements: readonly string[]) =>
    statements.filter((text) => /pgmq\.(create|meta)/.test(text)).length;

  it('checks the queue until one send has committed it, then never again', async () => {
    const { pool, statements } = await recordingPool();
    const producer = new Producer({ pool, domain: 'txq_commit', logger: quietLogger });
    const perSend: number[] = [];
    for (let n = 0; n < 4; n += 1) {
      statements.length = 0;
      await pool.transaction((tx) => producer.send(ping, { data: { n } }, { connection: tx }));
      perSend.push(queueWork(statements));
    }
    // 1st: probe, create (uncommitted). 2nd: probe finds it committed. Then none.
    expect(perSend).toEqual([2, 1, 0, 0]);
    expect(await queueDepth(db(), 'txq_commit__commands')).toBe(4);
  });

  /**
   * Runs `work` in a transaction that then rolls back, and checks that the
   * producer, sending outside any transaction afterwards, creates the queue
   * again: had it remembered the rolled-back queue, that send would fail.
   */
  async function expectRollbackForgotten(
    domain: string,
    work: (producer: Producer, tx: DatabaseTransactionConnection) => Promise<void>,
  ): Promise<void> {
    const { pool } = await recordingPool();
    const producer = new Producer({ pool, domain, logger: quietLogger });
    await expect(
      pool.transaction(async (tx) => {
        await work(producer, tx);
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    const sent = await producer.send(ping, { data: { n: 0 } });
    expect(await commandState(db(), domain, sent.commandId)).toMatchObject({ status: 'PENDING' });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(1);
  }

  it('does not remember a queue whose creating transaction rolled back', async () => {
    await expectRollbackForgotten('txq_rollback', async (producer, tx) => {
      await producer.send(ping, { data: { n: 1 } }, { connection: tx });
      await producer.send(ping, { data: { n: 2 } }, { connection: tx });
    });
  });

  it('does not remember a queue a savepoint created when the transaction rolls back', async () => {
    await expectRollbackForgotten('txq_savepoint', async (producer, tx) => {
      await tx.transaction((savepoint) =>
        producer.send(ping, { data: { n: 1 } }, { connection: savepoint }),
      );
      // Back in the outer transaction, the queue is still only ours.
      await producer.send(ping, { data: { n: 2 } }, { connection: tx });
    });
  });
});
