import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { gate, useTestDatabase, waitFor } from '@commandbus/testing';
import { InvalidInputError, StoredProcedureError } from '../errors.ts';
import { getBatch } from '../queries/get-batch.ts';
import { insertBatch } from '../queries/insert-batch.ts';
import {
  auditEvents,
  closeAll,
  lockWaiters,
  separateConnections,
} from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { startBatch } from './start-batch.ts';
import { tsqCancel } from './tsq-cancel.ts';
import { tsqComplete } from './tsq-complete.ts';
import { tsqRetry } from './tsq-retry.ts';
import { updateBatchCounters, type UpdateBatchCountersInput } from './update-batch-counters.ts';

const domain = 'batches';

describe('batch bookkeeping (sp_update_batch_counters, sp_start_batch, sp_tsq_*)', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  async function newBatch(totalCount: number): Promise<string> {
    const batchId = randomUUID();
    await insertBatch(db().pool, { domain, batchId, totalCount });
    return batchId;
  }

  /** sp_update_batch_counters for one command of the batch. */
  function countIn(batchId: string, updateType: UpdateBatchCountersInput['updateType']) {
    return updateBatchCounters(db().pool, { domain, batchId, updateType });
  }

  async function counters(batchId: string) {
    const batch = await getBatch(db().pool, { domain, batchId });
    return {
      status: batch?.status,
      completed: batch?.completedCount,
      canceled: batch?.canceledCount,
      failed: batch?.failedCount,
      inTsq: batch?.inTroubleshootingCount,
    };
  }

  it('applies each update type to its counters', async () => {
    const batchId = await newBatch(10);
    const steps = [
      ['complete', { completed: 1, canceled: 0, inTsq: 0 }],
      ['cancel', { completed: 1, canceled: 1, inTsq: 0 }],
      ['tsq_move', { completed: 1, canceled: 1, inTsq: 1 }],
      ['tsq_move', { completed: 1, canceled: 1, inTsq: 2 }],
      ['tsq_complete', { completed: 2, canceled: 1, inTsq: 1 }],
      ['tsq_move', { completed: 2, canceled: 1, inTsq: 2 }],
      ['tsq_cancel', { completed: 2, canceled: 2, inTsq: 1 }],
      ['tsq_retry', { completed: 2, canceled: 2, inTsq: 0 }],
      ['failed', { completed: 2, canceled: 2, failed: 1, inTsq: 0 }],
      ['tsq_move', { completed: 2, canceled: 2, failed: 1, inTsq: 1 }],
      ['tsq_failed', { completed: 2, canceled: 2, failed: 2, inTsq: 0 }],
    ] as const;
    for (const [updateType, expected] of steps) {
      expect(await countIn(batchId, updateType)).toBe(false);
      expect(await counters(batchId), updateType).toMatchObject(expected);
    }
  });

  it('the tsq procedures move one command out of the troubleshooting count each', async () => {
    const batchId = await newBatch(10);
    for (let i = 0; i < 3; i++) await countIn(batchId, 'tsq_move');
    expect(await tsqComplete(db().pool, { domain, batchId })).toBe(false);
    expect(await counters(batchId)).toMatchObject({ completed: 1, canceled: 0, inTsq: 2 });
    expect(await tsqCancel(db().pool, { domain, batchId })).toBe(false);
    expect(await counters(batchId)).toMatchObject({ completed: 1, canceled: 1, inTsq: 1 });
    expect(await tsqRetry(db().pool, { domain, batchId })).toBe(false);
    expect(await counters(batchId)).toMatchObject({ completed: 1, canceled: 1, inTsq: 0 });
  });

  it('tsq_complete of the last troubleshooting item completes the batch as COMPLETED', async () => {
    const batchId = await newBatch(2);
    await countIn(batchId, 'complete');
    await countIn(batchId, 'tsq_move');
    expect(await tsqComplete(db().pool, { domain, batchId })).toBe(true);
    expect(await counters(batchId)).toEqual({
      status: 'COMPLETED',
      completed: 2,
      canceled: 0,
      failed: 0,
      inTsq: 0,
    });
  });

  it('tsq_cancel of the last troubleshooting item completes the batch as COMPLETED_WITH_FAILURES', async () => {
    const batchId = await newBatch(2);
    await countIn(batchId, 'complete');
    await countIn(batchId, 'tsq_move');
    expect(await tsqCancel(db().pool, { domain, batchId })).toBe(true);
    expect(await counters(batchId)).toEqual({
      status: 'COMPLETED_WITH_FAILURES',
      completed: 1,
      canceled: 1,
      failed: 0,
      inTsq: 0,
    });
    expect((await getBatch(db().pool, { domain, batchId }))?.completedAt).toBeInstanceOf(Date);
  });

  it('does not complete a batch while a command is in the troubleshooting queue, and a retry never completes one', async () => {
    const batchId = await newBatch(2);
    await countIn(batchId, 'tsq_move');
    expect(await countIn(batchId, 'complete')).toBe(false);
    expect(await tsqRetry(db().pool, { domain, batchId })).toBe(false);
    expect((await counters(batchId)).status).toBe('IN_PROGRESS');
    expect(await countIn(batchId, 'complete')).toBe(true);
  });

  it('returns true on the completion transition only, never again for the same batch', async () => {
    const batchId = await newBatch(1);
    expect(await countIn(batchId, 'cancel')).toBe(true);
    // Inconsistent extra updates (a bug elsewhere) must not complete it a second time.
    await countIn(batchId, 'tsq_move');
    expect(await tsqCancel(db().pool, { domain, batchId })).toBe(false);
    expect(await auditEvents(db().pool, batchId, 'BATCH_COMPLETED')).toEqual([
      {
        event_type: 'BATCH_COMPLETED',
        details_json: {
          batch_id: batchId,
          status: 'COMPLETED_WITH_FAILURES',
          total_count: 1,
          completed_count: 0,
          canceled_count: 1,
          failed_count: 0,
        },
      },
    ]);
  });

  it('a failed command completes the batch as COMPLETED_WITH_FAILURES once completed + canceled + failed = total', async () => {
    const batchId = await newBatch(3);
    expect(await countIn(batchId, 'complete')).toBe(false);
    expect(await countIn(batchId, 'failed')).toBe(false);
    expect(await countIn(batchId, 'complete')).toBe(true);
    expect(await counters(batchId)).toEqual({
      status: 'COMPLETED_WITH_FAILURES',
      completed: 2,
      canceled: 0,
      failed: 1,
      inTsq: 0,
    });
  });

  it('counting in a batch no receive has started starts it first: BATCH_STARTED, then BATCH_COMPLETED', async () => {
    const batchId = await newBatch(1);
    await countIn(batchId, 'tsq_move');
    const started = await getBatch(db().pool, { domain, batchId });
    expect(started).toMatchObject({ status: 'IN_PROGRESS', startedAt: expect.any(Date) });
    expect(await tsqCancel(db().pool, { domain, batchId })).toBe(true);
    expect((await auditEvents(db().pool, batchId)).map((e) => e.event_type)).toEqual([
      'BATCH_STARTED',
      'BATCH_COMPLETED',
    ]);
    expect((await getBatch(db().pool, { domain, batchId }))?.startedAt).toEqual(started?.startedAt);
  });

  it.each(['tsq_complete', 'tsq_cancel', 'tsq_failed', 'tsq_retry'] as const)(
    'raises instead of taking in_troubleshooting_count below zero (%s)',
    async (updateType) => {
      const batchId = await newBatch(3);
      const error = await countIn(batchId, updateType).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoredProcedureError);
      expect(error).toMatchObject({ code: 'BATCH_COUNTER_UNDERFLOW', sqlState: '23514' });
      expect(await counters(batchId)).toMatchObject({
        completed: 0,
        canceled: 0,
        failed: 0,
        inTsq: 0,
      });
    },
  );

  it('raises on an unknown update type, whatever the batch', async () => {
    const batchId = await newBatch(1);
    for (const batch of [sql.fragment`${batchId}::uuid`, sql.fragment`NULL`]) {
      await expect(
        db().pool.query(
          sql.unsafe`SELECT commandbus.sp_update_batch_counters(${domain}, ${batch}, 'completed')`,
        ),
      ).rejects.toThrow(/unknown update type 'completed'/);
    }
    // The wrapper refuses it before any SQL runs.
    const error = await updateBatchCounters(db().pool, {
      domain,
      batchId,
      updateType: 'completed' as never,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({
      code: 'INVALID_UPDATE_TYPE',
      field: 'updateType',
      value: 'completed',
    });
  });

  it('returns false for a NULL batch', async () => {
    expect(
      await updateBatchCounters(db().pool, { domain, batchId: null, updateType: 'complete' }),
    ).toBe(false);
    expect(await startBatch(db().pool, { domain, batchId: null })).toBe(false);
    expect(await tsqComplete(db().pool, { domain, batchId: null })).toBe(false);
    expect(await tsqCancel(db().pool, { domain, batchId: null })).toBe(false);
    expect(await tsqRetry(db().pool, { domain, batchId: null })).toBe(false);
  });

  it('raises BATCH_NOT_FOUND for a batch that does not exist', async () => {
    await expect(
      updateBatchCounters(db().pool, { domain, batchId: randomUUID(), updateType: 'complete' }),
    ).rejects.toMatchObject({ code: 'BATCH_NOT_FOUND', sqlState: 'P0002' });
  });

  it('starts a PENDING batch once, with started_at and a BATCH_STARTED audit row', async () => {
    const batchId = await newBatch(4);
    expect(await startBatch(db().pool, { domain, batchId })).toBe(true);
    const started = await getBatch(db().pool, { domain, batchId });
    expect(started?.status).toBe('IN_PROGRESS');
    expect(started?.startedAt).toBeInstanceOf(Date);
    expect(await startBatch(db().pool, { domain, batchId })).toBe(false);
    expect(await auditEvents(db().pool, batchId)).toEqual([
      { event_type: 'BATCH_STARTED', details_json: { batch_id: batchId, total_count: 4 } },
    ]);
  });

  it('8 connections starting one batch at the same moment: exactly one true and one BATCH_STARTED row', async () => {
    const batchId = await newBatch(8);
    const [holder, ...starters] = await separateConnections(db().url, 9);
    if (!holder) throw new Error('no connection');
    try {
      // Hold the batch row so all 8 callers queue up on it, then release them together.
      const released = gate();
      const locked = gate();
      const holding = holder.transaction(async (tx) => {
        await tx.query(
          sql.unsafe`SELECT 1 FROM commandbus.batch WHERE batch_id = ${batchId}::uuid FOR UPDATE`,
        );
        locked.open();
        await released.promise;
      });
      await locked.promise;
      const results = starters.map((pool) => startBatch(pool, { domain, batchId }));
      await waitFor(async () => (await lockWaiters(db().pool)) >= starters.length, {
        description: '8 starters waiting on the batch row',
      });
      released.open();
      await holding;
      expect((await Promise.all(results)).filter(Boolean)).toHaveLength(1);
    } finally {
      await closeAll([holder, ...starters]);
    }
    expect(await auditEvents(db().pool, batchId, 'BATCH_STARTED')).toHaveLength(1);
    expect((await getBatch(db().pool, { domain, batchId }))?.status).toBe('IN_PROGRESS');
  });
});
