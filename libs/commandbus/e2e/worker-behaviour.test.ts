// Worker behaviour beyond a single delivery: batches, NOTIFY wake-up, lease
// extension, shutdown, and duplicates under concurrent producers.
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
  type WorkerOutcomeCounts,
} from '../src/index.ts';
import {
  auditTrail,
  batchCompletedCount,
  commandState,
  domainRowCount,
  queueDepth,
  quietLogger,
  rolesOn,
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
  const roles = rolesOn(db);

  it('completes a batch exactly once and calls the batch callback once', async () => {
    const domain = 'wb_batch';
    const producer = roles.producer(domain);
    const { batchId } = await producer.createBatch({
      name: 'forty steps',
      commands: Array.from({ length: 40 }, (_, n) => ({
        command: step,
        input: { data: { n, failTimes: n % 5 === 0 ? 1 : 0 } },
      })),
    });
    const events: BatchCompletedEvent[] = [];
    const worker = await startWorker(
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
    // A second call could come from any delivery still settling: count the
    // calls only once every delivery has settled and the worker has stopped.
    await waitFor(() => worker.counts.completed === 40, { description: '40 settled deliveries' });
    await worker.stop();
    expect(worker.counts).toMatchObject({ completed: 40, retry: 8, stale: 0, abandoned: 0 });
    expect(events).toEqual([expect.objectContaining({ domain, batchId })]);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    expect(await batchCompletedCount(db(), batchId)).toBe(1);
  });

  it('is woken by NOTIFY far sooner than its poll interval', async () => {
    const domain = 'wb_notify';
    const pollIntervalMs = 60_000;
    const producer = roles.producer(domain);
    // Sent before the worker starts: its first read takes it. Once it is
    // done, the worker's last read is behind it and the next poll is a
    // minute away.
    const first = await producer.send(slow, { data: { ms: 0 } });
    await startWorker(db(), { domain, pollIntervalMs }, (w) => w.register(slow, () => undefined));
    await waitForStatus(db(), domain, first.commandId, 'COMPLETED');
    const sent = await producer.send(slow, { data: { ms: 0 } });
    // Only a NOTIFY brings it in before this deadline, well inside the interval.
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED', pollIntervalMs / 3);
  });

  it('runs the next handler while an earlier finish waits on the database, and stop() waits for that finish', async () => {
    const domain = 'wb_overlap';
    const producer = roles.producer(domain);
    const handled: number[] = [];
    const firstCommandId = randomUUID();
    // Once the first handler has run, another connection locks its command
    // row and keeps it locked: the finish of that command cannot go through.
    let releaseLock = (): void => undefined;
    const lockFirstCommand = () =>
      new Promise<number>((locked) => {
        void db().pool.transaction(async (tx) => {
          await tx.query(
            sql.unsafe`SELECT 1 FROM commandbus.command WHERE domain = ${domain} AND command_id = ${firstCommandId} FOR UPDATE`,
          );
          locked(
            await tx.oneFirst(
              sql.type(z.object({ pid: z.number() }))`SELECT pg_backend_pid() AS pid`,
            ),
          );
          await new Promise<void>((release) => (releaseLock = release));
        });
      });
    let lockerPid: number | undefined;
    const worker = await startWorker(
      db(),
      { domain, concurrency: 1, shutdownGraceMs: 60_000 },
      (w) =>
        w.register(step, async ({ command }) => {
          handled.push(command.data.n);
          if (command.data.n === 1) lockerPid = await lockFirstCommand();
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

    const finishBlocked = () =>
      db().pool.exists(
        sql.unsafe`SELECT 1 FROM pg_stat_activity WHERE ${lockerPid ?? 0}::int = ANY(pg_blocking_pids(pid))`,
      );
    await waitFor(finishBlocked, { description: 'the first finish to wait on the lock' });
    // What the worker counted is taken the moment stop() resolves: a stop()
    // that did not wait would count the blocked finish as not done.
    let countsAtStop: WorkerOutcomeCounts | undefined;
    const stopping = worker.stop().then(() => {
      countsAtStop = worker.counts;
    });
    await waitFor(finishBlocked, { description: 'the first finish to still wait after stop()' });
    expect(countsAtStop).toBeUndefined();
    releaseLock();
    await stopping;
    expect(countsAtStop).toMatchObject({ completed: 2, stale: 0, abandoned: 0 });
    expect((await commandState(db(), domain, firstCommandId))?.status).toBe('COMPLETED');
    expect((await commandState(db(), domain, second.commandId))?.status).toBe('COMPLETED');
  });

  it('extends the lease of a handler that outlives it, so the command runs once', async () => {
    const domain = 'wb_lease';
    const producer = roles.producer(domain);
    const visibilityTimeoutSeconds = 3;
    let runs = 0;
    const handle = async ({ command }: { command: { data: { ms: number } } }) => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, command.data.ms));
    };
    // Two workers poll the same queue every 100 ms: had the lease lapsed
    // even once, the other one (or the same) would have taken the message.
    const workers = await Promise.all(
      [1, 2].map(() =>
        startWorker(db(), { domain, visibilityTimeoutSeconds, concurrency: 4 }, (w) =>
          w.register(slow, handle),
        ),
      ),
    );
    const sent = await producer.send(slow, { data: { ms: visibilityTimeoutSeconds * 3_500 } });
    // Waits for either end: a lapsed lease shows as a troubleshooting move
    // (MAX_ATTEMPTS_EXCEEDED) long before the handler is done.
    const state = await waitFor(
      async () => {
        const current = await commandState(db(), domain, sent.commandId);
        return current?.status === 'COMPLETED' || current?.status === 'IN_TROUBLESHOOTING_QUEUE'
          ? current
          : undefined;
      },
      { timeoutMs: 45_000, description: 'the command to finish' },
    );
    expect(state).toEqual({ status: 'COMPLETED', attempts: 1 });
    expect(runs).toBe(1);
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    await waitFor(() => workers.some((w) => w.counts.completed === 1), {
      description: 'the delivery to settle',
    });
    expect(workers.map((w) => w.counts.completed).sort()).toEqual([0, 1]);
    expect(workers.map((w) => w.counts.stale + w.counts.troubleshooting)).toEqual([0, 0]);
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
    expect(await domainRowCount(db(), 'command', domain)).toBe(200);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(200);
  });
});
