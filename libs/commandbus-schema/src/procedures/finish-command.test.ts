import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '@commandbus/testing';
import { StoredProcedureError } from '../errors.ts';
import { getBatch } from '../queries/get-batch.ts';
import { getCommand } from '../queries/get-command.ts';
import {
  auditEvents,
  closeAll,
  countRows,
  forceStatus,
  seedBatch,
  seedCommands,
  separateConnections,
} from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { finishCommand } from './finish-command.ts';
import { receiveCommand } from './receive-command.ts';

const domain = 'finishing';
const complete = { status: 'COMPLETED', eventType: 'COMPLETED' } as const;
const cancel = { status: 'CANCELED', eventType: 'CANCELED' } as const;
const toTsq = {
  status: 'IN_TROUBLESHOOTING_QUEUE',
  eventType: 'MOVED_TO_TSQ',
} as const;
const businessRuleFailure = {
  status: 'FAILED',
  eventType: 'BUSINESS_RULE_FAILED',
  errorType: 'BUSINESS_RULE',
  errorCode: 'CREDIT_LIMIT',
  errorMsg: 'over the credit limit',
} as const;

describe('finishCommand (sp_finish_command)', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  /** A batch of `count` seeded commands, and the id of its first command. */
  async function seedBatchWithFirst(count: number) {
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count });
    const [a] = commandIds;
    if (!a) throw new Error('seed failed');
    return { batchId, a };
  }

  /** One seeded command without a batch. */
  async function seedCommand(): Promise<string> {
    const [a] = await seedCommands(db().pool, { domain });
    if (!a) throw new Error('seed failed');
    return a;
  }

  /** The BATCH_COMPLETED audit row of a batch that ended with these counts. */
  function batchCompletedRow(
    batchId: string,
    status: 'COMPLETED' | 'COMPLETED_WITH_FAILURES',
    counts: { total: number; completed: number; canceled: number; failed: number },
  ) {
    return {
      event_type: 'BATCH_COMPLETED',
      details_json: {
        batch_id: batchId,
        status,
        total_count: counts.total,
        completed_count: counts.completed,
        canceled_count: counts.canceled,
        failed_count: counts.failed,
      },
    };
  }

  it('completes a command, writes the audit row with its details and counts it in the batch', async () => {
    const { batchId, a } = await seedBatchWithFirst(2);
    await receiveCommand(db().pool, { domain, commandId: a });
    expect(
      await finishCommand(db().pool, {
        domain,
        commandId: a,
        ...complete,
        details: { took_ms: 12 },
      }),
    ).toBe(false);
    expect((await getCommand(db().pool, { domain, commandId: a }))?.status).toBe('COMPLETED');
    expect(await auditEvents(db().pool, a, 'COMPLETED')).toEqual([
      { event_type: 'COMPLETED', details_json: { took_ms: 12 } },
    ]);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      completedCount: 1,
      canceledCount: 0,
      inTroubleshootingCount: 0,
    });
  });

  it('finishing twice counts the command once and only adds an audit row', async () => {
    const { batchId, a } = await seedBatchWithFirst(2);
    await finishCommand(db().pool, { domain, commandId: a, ...complete });
    expect(await finishCommand(db().pool, { domain, commandId: a, ...complete })).toBe(false);
    expect(await finishCommand(db().pool, { domain, commandId: a, ...cancel })).toBe(false);
    expect((await getCommand(db().pool, { domain, commandId: a }))?.status).toBe('COMPLETED');
    expect((await getBatch(db().pool, { domain, batchId }))?.completedCount).toBe(1);
    expect((await getBatch(db().pool, { domain, batchId }))?.canceledCount).toBe(0);
    expect((await auditEvents(db().pool, a)).map((e) => e.event_type)).toEqual([
      'COMPLETED',
      'COMPLETED',
      'CANCELED',
    ]);
  });

  it('moving to the troubleshooting queue twice counts it there once', async () => {
    const { batchId, a } = await seedBatchWithFirst(1);
    expect(
      await finishCommand(db().pool, { domain, commandId: a, ...toTsq, errorType: 'PERMANENT' }),
    ).toBe(false);
    expect(
      await finishCommand(db().pool, { domain, commandId: a, ...toTsq, errorType: 'PERMANENT' }),
    ).toBe(false);
    expect((await getBatch(db().pool, { domain, batchId }))?.inTroubleshootingCount).toBe(1);
  });

  it('concurrent finishers of one command count it once', async () => {
    const { batchId, a } = await seedBatchWithFirst(2);
    const pools = await separateConnections(db().url, 4);
    try {
      await Promise.all(
        pools.map((pool) => finishCommand(pool, { domain, commandId: a, ...complete })),
      );
    } finally {
      await closeAll(pools);
    }
    expect((await getBatch(db().pool, { domain, batchId }))?.completedCount).toBe(1);
    expect(await auditEvents(db().pool, a, 'COMPLETED')).toHaveLength(4);
  });

  it('for an unknown command writes only the audit row and returns false', async () => {
    const commandId = randomUUID();
    const commandsBefore = await countRows(db().pool, 'command');
    expect(
      await finishCommand(db().pool, { domain, commandId, ...complete, details: { late: true } }),
    ).toBe(false);
    expect(await countRows(db().pool, 'command')).toBe(commandsBefore);
    expect(await auditEvents(db().pool, commandId)).toEqual([
      { event_type: 'COMPLETED', details_json: { late: true } },
    ]);
  });

  it('keeps earlier error values where the new ones are NULL', async () => {
    const a = await seedCommand();
    await db().pool.query(sql.unsafe`
      UPDATE commandbus.command
         SET last_error_type = 'TRANSIENT', last_error_code = 'TIMEOUT', last_error_msg = 'took too long'
       WHERE command_id = ${a}::uuid
    `);
    await finishCommand(db().pool, {
      domain,
      commandId: a,
      ...toTsq,
      errorType: 'PERMANENT',
      errorCode: null,
    });
    expect(await getCommand(db().pool, { domain, commandId: a })).toMatchObject({
      status: 'IN_TROUBLESHOOTING_QUEUE',
      lastErrorType: 'PERMANENT',
      lastErrorCode: 'TIMEOUT',
      lastErrorMsg: 'took too long',
    });
  });

  it('rejects a p_batch_id that disagrees with the batch stored on the command, writing nothing', async () => {
    const { batchId, a } = await seedBatchWithFirst(1);
    const error = await finishCommand(db().pool, {
      domain,
      commandId: a,
      ...complete,
      batchId: randomUUID(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoredProcedureError);
    expect(error).toMatchObject({
      code: 'PROCEDURE_ARGUMENT_REJECTED',
      sqlState: '22023',
      procedure: 'sp_finish_command',
    });
    expect((await getCommand(db().pool, { domain, commandId: a }))?.status).toBe('PENDING');
    expect(await auditEvents(db().pool, a)).toEqual([]);
    // Agreeing is fine, and then completes the one-command batch.
    expect(await finishCommand(db().pool, { domain, commandId: a, ...complete, batchId })).toBe(
      true,
    );
  });

  it('rejects a p_batch_id for a command that has no batch', async () => {
    const a = await seedCommand();
    await expect(
      finishCommand(db().pool, { domain, commandId: a, ...complete, batchId: randomUUID() }),
    ).rejects.toMatchObject({ code: 'PROCEDURE_ARGUMENT_REJECTED' });
  });

  it('returns false for a command without a batch', async () => {
    const a = await seedCommand();
    expect(await finishCommand(db().pool, { domain, commandId: a, ...complete })).toBe(false);
    expect((await getCommand(db().pool, { domain, commandId: a }))?.status).toBe('COMPLETED');
  });

  it('returns true exactly for the finish that completes the batch, which becomes COMPLETED with one BATCH_COMPLETED row', async () => {
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: 3 });
    const results = [];
    for (const commandId of commandIds)
      results.push(await finishCommand(db().pool, { domain, commandId, ...complete }));
    expect(results).toEqual([false, false, true]);
    const batch = await getBatch(db().pool, { domain, batchId });
    expect(batch).toMatchObject({ status: 'COMPLETED', completedCount: 3 });
    expect(batch?.completedAt).toBeInstanceOf(Date);
    expect(await auditEvents(db().pool, batchId, 'BATCH_COMPLETED')).toEqual([
      batchCompletedRow(batchId, 'COMPLETED', { total: 3, completed: 3, canceled: 0, failed: 0 }),
    ]);
  });

  it('counts a troubleshooting item finished through it as leaving the troubleshooting queue', async () => {
    const { batchId, a } = await seedBatchWithFirst(1);
    await finishCommand(db().pool, { domain, commandId: a, ...toTsq });
    expect(await finishCommand(db().pool, { domain, commandId: a, ...cancel })).toBe(true);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      canceledCount: 1,
      inTroubleshootingCount: 0,
    });
  });

  it('finishes a command as FAILED with its error and a BUSINESS_RULE_FAILED row, counted in failed_count', async () => {
    const { batchId, a } = await seedBatchWithFirst(2);
    await receiveCommand(db().pool, { domain, commandId: a });
    expect(
      await finishCommand(db().pool, {
        domain,
        commandId: a,
        ...businessRuleFailure,
        details: { error_code: 'CREDIT_LIMIT' },
      }),
    ).toBe(false);
    expect(await getCommand(db().pool, { domain, commandId: a })).toMatchObject({
      status: 'FAILED',
      lastErrorType: 'BUSINESS_RULE',
      lastErrorCode: 'CREDIT_LIMIT',
      lastErrorMsg: 'over the credit limit',
    });
    expect(await auditEvents(db().pool, a, 'BUSINESS_RULE_FAILED')).toEqual([
      { event_type: 'BUSINESS_RULE_FAILED', details_json: { error_code: 'CREDIT_LIMIT' } },
    ]);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      completedCount: 0,
      canceledCount: 0,
      failedCount: 1,
      inTroubleshootingCount: 0,
    });
  });

  it('a FAILED command is terminal: a later finish only adds its audit row and a receive does not revive it', async () => {
    const { batchId, a } = await seedBatchWithFirst(2);
    await finishCommand(db().pool, { domain, commandId: a, ...businessRuleFailure });
    expect(await finishCommand(db().pool, { domain, commandId: a, ...businessRuleFailure })).toBe(
      false,
    );
    expect(await finishCommand(db().pool, { domain, commandId: a, ...complete })).toBe(false);
    expect(await receiveCommand(db().pool, { domain, commandId: a })).toBeNull();
    expect((await getCommand(db().pool, { domain, commandId: a }))?.status).toBe('FAILED');
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      completedCount: 0,
      failedCount: 1,
    });
    expect((await auditEvents(db().pool, a)).map((e) => e.event_type)).toEqual([
      'BUSINESS_RULE_FAILED',
      'BUSINESS_RULE_FAILED',
      'COMPLETED',
    ]);
  });

  it('the finish that fails the last command completes the batch as COMPLETED_WITH_FAILURES, failed_count in BATCH_COMPLETED', async () => {
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: 2 });
    const [a, b] = commandIds;
    if (!a || !b) throw new Error('seed failed');
    await receiveCommand(db().pool, { domain, commandId: a });
    await finishCommand(db().pool, { domain, commandId: a, ...complete });
    expect(await finishCommand(db().pool, { domain, commandId: b, ...businessRuleFailure })).toBe(
      true,
    );
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      completedCount: 1,
      failedCount: 1,
    });
    expect(await auditEvents(db().pool, batchId, 'BATCH_COMPLETED')).toEqual([
      batchCompletedRow(batchId, 'COMPLETED_WITH_FAILURES', {
        total: 2,
        completed: 1,
        canceled: 0,
        failed: 1,
      }),
    ]);
  });

  it('a troubleshooting item finished as FAILED leaves the troubleshooting count', async () => {
    const { batchId, a } = await seedBatchWithFirst(1);
    await finishCommand(db().pool, { domain, commandId: a, ...toTsq });
    expect(await finishCommand(db().pool, { domain, commandId: a, ...businessRuleFailure })).toBe(
      true,
    );
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      failedCount: 1,
      inTroubleshootingCount: 0,
    });
  });

  it('a batch whose only command goes to the troubleshooting queue unreceived is started before it completes', async () => {
    const { batchId, a } = await seedBatchWithFirst(1);
    await finishCommand(db().pool, { domain, commandId: a, ...toTsq });
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      startedAt: expect.any(Date),
    });
    await finishCommand(db().pool, { domain, commandId: a, ...cancel });
    expect((await auditEvents(db().pool, batchId)).map((e) => e.event_type)).toEqual([
      'BATCH_STARTED',
      'BATCH_COMPLETED',
    ]);
  });

  type Path = 'complete' | 'cancel' | 'failed' | 'tsq-then-complete' | 'tsq-then-cancel';

  /** Receives and finishes each command along its path, spread over `connections` sessions; counts the TRUE results. */
  async function finishConcurrently(
    plan: readonly { commandId: string; path: Path }[],
    connections: number,
  ) {
    const pools = await separateConnections(db().url, connections);
    let trues = 0;
    try {
      await Promise.all(
        pools.map(async (pool, worker) => {
          for (const { commandId, path } of plan.filter((_, i) => i % connections === worker)) {
            await receiveCommand(pool, { domain, commandId });
            if (path.startsWith('tsq-')) {
              if (await finishCommand(pool, { domain, commandId, ...toTsq })) trues += 1;
            }
            const outcome = path.endsWith('cancel')
              ? cancel
              : path === 'failed'
                ? businessRuleFailure
                : complete;
            if (await finishCommand(pool, { domain, commandId, ...outcome })) trues += 1;
          }
        }),
      );
    } finally {
      await closeAll(pools);
    }
    return trues;
  }

  async function statusCounts(batchId: string) {
    return db().pool.any(sql.type(z.object({ status: z.string(), n: z.number() }))`
      SELECT status, count(*)::int AS n FROM commandbus.command
       WHERE batch_id = ${batchId}::uuid GROUP BY status ORDER BY status
    `);
  }

  it('300 commands of one batch finished from 8 connections at once: exact counters, exactly one true, COMPLETED once', async () => {
    const total = 300;
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: total });
    const trues = await finishConcurrently(
      commandIds.map((commandId) => ({ commandId, path: 'complete' as const })),
      8,
    );
    expect(trues).toBe(1);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED',
      totalCount: total,
      completedCount: total,
      canceledCount: 0,
      inTroubleshootingCount: 0,
    });
    expect(await auditEvents(db().pool, batchId, 'BATCH_STARTED')).toHaveLength(1);
    expect(await auditEvents(db().pool, batchId, 'BATCH_COMPLETED')).toHaveLength(1);
    expect(await statusCounts(batchId)).toEqual([{ status: 'COMPLETED', n: total }]);
  });

  it('mixed complete, cancel, business-rule failure and troubleshooting paths racing on 8 connections end COMPLETED_WITH_FAILURES once', async () => {
    const total = 180;
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: total });
    const paths: Path[] = [
      'complete',
      'cancel',
      'tsq-then-complete',
      'tsq-then-cancel',
      'failed',
      'complete',
    ];
    const plan = commandIds.map((commandId, i) => ({
      commandId,
      path: paths[i % paths.length] ?? 'complete',
    }));
    const trues = await finishConcurrently(plan, 8);
    const canceled = plan.filter((p) => p.path.endsWith('cancel')).length;
    const failed = plan.filter((p) => p.path === 'failed').length;
    expect(trues).toBe(1);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      completedCount: total - canceled - failed,
      canceledCount: canceled,
      failedCount: failed,
      inTroubleshootingCount: 0,
    });
    expect(await auditEvents(db().pool, batchId, 'BATCH_COMPLETED')).toHaveLength(1);
    expect(await statusCounts(batchId)).toEqual([
      { status: 'CANCELED', n: canceled },
      { status: 'COMPLETED', n: total - canceled - failed },
      { status: 'FAILED', n: failed },
    ]);
  });

  it('refuses a status it cannot finish to', async () => {
    const a = await seedCommand();
    await forceStatus(db().pool, domain, a, 'IN_PROGRESS');
    await expect(
      db().pool.query(sql.unsafe`
        SELECT commandbus.sp_finish_command(${domain}, ${a}::uuid, 'PENDING', 'COMPLETED')
      `),
    ).rejects.toThrow(/p_status must be COMPLETED, CANCELED, FAILED or IN_TROUBLESHOOTING_QUEUE/);
  });
});
