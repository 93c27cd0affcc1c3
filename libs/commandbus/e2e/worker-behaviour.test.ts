// Worker behaviour beyond a single delivery: batches, NOTIFY wake-up, lease
// extension, and duplicates under concurrent producers.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getBatch } from '@commandbus/commandbus-schema';
import { waitFor } from '@commandbus/testing';
import { createPool } from 'slonik';
import {
  defineCommand,
  Producer,
  TransientCommandError,
  type BatchCompletedEvent,
} from '../src/index.ts';
import {
  commandState,
  queueDepth,
  quietLogger,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';

const step = defineCommand({
  type: 'test.Step',
  data: z.object({ n: z.number(), failTimes: z.number() }),
});
const slow = defineCommand({ type: 'test.Slow', data: z.object({ ms: z.number() }) });

describe('worker', () => {
  const db = useBusDatabase();

  it('completes a batch exactly once and calls the batch callback once', async () => {
    const domain = 'wb_batch';
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    const { batchId } = await producer.createBatch({
      name: 'forty steps',
      commands: Array.from({ length: 40 }, (_, n) => ({
        command: step,
        input: { data: { n, failTimes: n % 5 === 0 ? 1 : 0 } },
      })),
    });
    const events: BatchCompletedEvent[] = [];
    await startWorker(
      db(),
      { domain, concurrency: 8, onBatchCompleted: (e) => events.push(e) },
      (w) =>
        w.register(step, ({ attempt, command }) => {
          if (attempt <= command.data.failTimes) throw new TransientCommandError('AGAIN', 'again');
        }),
    );
    const batch = await waitFor(
      async () => {
        const row = await getBatch(db().pool, { domain, batchId });
        return row?.status === 'COMPLETED' ? row : undefined;
      },
      { timeoutMs: 20_000, description: 'batch completion' },
    );
    expect(batch).toMatchObject({
      totalCount: 40,
      completedCount: 40,
      canceledCount: 0,
      inTroubleshootingCount: 0,
    });
    await waitFor(() => events.length === 1, { description: 'batch callback' });
    expect(events).toEqual([expect.objectContaining({ domain, batchId })]);
    const completedAudits = await db().pool.oneFirst(
      sql.type(
        z.object({ n: z.number() }),
      )`SELECT count(*)::int AS n FROM commandbus.audit WHERE command_id = ${batchId} AND event_type = 'BATCH_COMPLETED'`,
    );
    expect(completedAudits).toBe(1);
  });

  it('is woken by NOTIFY far sooner than its poll interval', async () => {
    const domain = 'wb_notify';
    const pollIntervalMs = 30_000;
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    await startWorker(db(), { domain, pollIntervalMs }, (w) => w.register(slow, () => undefined));
    // Whether the send lands before or after the worker's first (empty) read,
    // only a NOTIFY can bring it in before the interval is over.
    const startedAt = performance.now();
    const sent = await producer.send(slow, { data: { ms: 0 } });
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED', pollIntervalMs / 2);
    expect(performance.now() - startedAt).toBeLessThan(pollIntervalMs / 10);
  });

  it('runs the next handler while an earlier finish waits on the database, and stop() waits for that finish', async () => {
    const domain = 'wb_overlap';
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    const handled: number[] = [];
    const firstCommandId = randomUUID();
    // Once the first handler has run, another connection locks its command
    // row and keeps it locked: the finish of that command cannot go through.
    let releaseLock = (): void => undefined;
    const lockFirstCommand = () =>
      new Promise<void>((locked) => {
        void db().pool.transaction(async (tx) => {
          await tx.query(
            sql.unsafe`SELECT 1 FROM commandbus.command WHERE domain = ${domain} AND command_id = ${firstCommandId} FOR UPDATE`,
          );
          locked();
          await new Promise<void>((release) => (releaseLock = release));
        });
      });
    const worker = await startWorker(db(), { domain, concurrency: 1 }, (w) =>
      w.register(step, async ({ command }) => {
        handled.push(command.data.n);
        if (command.data.n === 1) await lockFirstCommand();
      }),
    );
    await producer.send(step, { commandId: firstCommandId, data: { n: 1, failTimes: 0 } });
    await waitFor(() => handled.length === 1, { description: 'first handler' });
    const second = await producer.send(step, { data: { n: 2, failTimes: 0 } });
    // With one slot, the second handler runs only if the first gave its slot
    // back while its finish was still blocked.
    await waitFor(() => handled.length === 2, { description: 'second handler' });
    expect(handled).toEqual([1, 2]);
    expect((await commandState(db(), domain, firstCommandId))?.status).toBe('IN_PROGRESS');

    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stopped).toBe(false);
    releaseLock();
    await stopping;
    expect((await commandState(db(), domain, firstCommandId))?.status).toBe('COMPLETED');
    expect((await commandState(db(), domain, second.commandId))?.status).toBe('COMPLETED');
  });

  it('extends the lease of a handler that outlives it, so the command runs once', async () => {
    const domain = 'wb_lease';
    const producer = new Producer({ pool: db().pool, domain, logger: quietLogger });
    let runs = 0;
    const sent = await producer.send(slow, { data: { ms: 2_600 } });
    await startWorker(db(), { domain, visibilityTimeoutSeconds: 1, concurrency: 4 }, (w) =>
      w.register(slow, async ({ command }) => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, command.data.ms));
      }),
    );
    const state = await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    expect(state.attempts).toBe(1);
    expect(runs).toBe(1);
  });

  it('gives 20 concurrent producers of the same 200 command_ids exactly 200 commands and 200 messages', async () => {
    const domain = 'wb_dupstorm';
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const pools = await Promise.all(
      Array.from({ length: 20 }, () => createPool(db().url, { maximumPoolSize: 1 })),
    );
    try {
      const results = await Promise.all(
        pools.map((pool) =>
          new Producer({ pool, domain, logger: quietLogger }).sendBatch(
            ids.map((commandId) => ({ command: slow, input: { commandId, data: { ms: 0 } } })),
          ),
        ),
      );
      const fresh = results.flat().filter((r) => !r.duplicate);
      expect(fresh).toHaveLength(200);
      expect(new Set(fresh.map((r) => r.commandId)).size).toBe(200);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    const commands = await db().pool.oneFirst(
      sql.type(
        z.object({ n: z.number() }),
      )`SELECT count(*)::int AS n FROM commandbus.command WHERE domain = ${domain}`,
    );
    expect(commands).toBe(200);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(200);
  });
});
