// `npm start` (the demo) as a real process against a fresh database: it
// migrates, runs its workload to the end, and its --json summary agrees with
// the rows it leaves behind.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { useCliProcesses, useTestDatabase } from '@commandbus/testing';
import { planWorkload } from '../src/demo/workload.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const demoMain = path.resolve(here, '../src/demo/main.ts');
const COUNT = 300;
const DOMAIN = 'demo';

const summarySchema = z.object({
  commands: z.number(),
  completed: z.number(),
  canceled: z.number(),
  troubleshooting: z.number(),
  expectedTroubleshooting: z.number(),
  retried: z.number(),
  seconds: z.number(),
  throughputPerSecond: z.number(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  batch: z.object({
    batchId: z.uuid(),
    status: z.string(),
    totalCount: z.number(),
    completedCount: z.number(),
    canceledCount: z.number(),
    inTroubleshootingCount: z.number(),
    completedCallbacks: z.number(),
  }),
  accountedFor: z.boolean(),
});

const count = z.object({ n: z.number() });

describe('the demo (npm start)', () => {
  // No schema: the demo migrates the database it is given.
  const db = useTestDatabase();
  const cli = useCliProcesses();

  it('migrates a fresh database, finishes every command it sent, and its summary matches the rows', async () => {
    const run = await cli.run(
      demoMain,
      ['--count', String(COUNT), '--concurrency', '4', '--timeout-seconds', '150', '--json'],
      { env: { DATABASE_URL: db().url }, timeoutMs: 170_000 },
    );
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout.slice(-2_000)).toBe(0);
    const summary = summarySchema.parse(JSON.parse(run.stdout));

    const plan = planWorkload(COUNT);
    const plannedRetries = [...plan.loose, ...plan.batch].filter(
      (item) => ((item.input.data as { failTimes?: number }).failTimes ?? 0) > 0,
    ).length;
    expect(summary).toMatchObject({
      commands: COUNT,
      accountedFor: true,
      canceled: 0,
      troubleshooting: plan.expectedTroubleshooting,
      expectedTroubleshooting: plan.expectedTroubleshooting,
      retried: plannedRetries,
    });
    expect(summary.completed + summary.troubleshooting).toBe(COUNT);

    const history = await db().pool.any(
      sql.type(z.object({ script: z.string(), success: z.boolean() }))`
        SELECT script, success FROM public.flyway_schema_history
         WHERE version IS NOT NULL ORDER BY installed_rank`,
    );
    expect(history).toEqual(
      readSchemaMigrations().map(({ script }) => ({ script, success: true })),
    );

    // Every command the summary counts is a row in the state it says.
    const rows = await db().pool.any(
      sql.type(z.object({ status: z.string(), n: z.number() }))`
        SELECT status, count(*)::int AS n FROM commandbus.command
         WHERE domain = ${DOMAIN} GROUP BY status ORDER BY status`,
    );
    expect(Object.fromEntries(rows.map((row) => [row.status, row.n]))).toEqual({
      COMPLETED: summary.completed,
      IN_TROUBLESHOOTING_QUEUE: summary.troubleshooting,
    });
    const retriedRows = await db().pool.oneFirst(sql.type(count)`
      SELECT count(*)::int AS n FROM commandbus.command
       WHERE domain = ${DOMAIN} AND attempts > 1`);
    expect(retriedRows).toBe(summary.retried);
    // The troubleshooting queue holds the bounced receipts and nothing else.
    const inTroubleshooting = await db().pool.any(
      sql.type(z.object({ command_type: z.string(), last_error_code: z.string().nullable() }))`
        SELECT command_type, last_error_code FROM commandbus.command
         WHERE domain = ${DOMAIN} AND status = 'IN_TROUBLESHOOTING_QUEUE'`,
    );
    expect(inTroubleshooting).toEqual(
      Array.from({ length: summary.troubleshooting }, () => ({
        command_type: 'demo.SendReceipt',
        last_error_code: 'EMAIL_BOUNCED',
      })),
    );
    const sentEvents = await db().pool.oneFirst(sql.type(count)`
      SELECT count(*)::int AS n FROM commandbus.audit
       WHERE domain = ${DOMAIN} AND event_type = 'SENT'`);
    expect(sentEvents).toBe(COUNT);
    const leftInQueue = await db().pool.oneFirst(
      sql.type(count)`
        SELECT count(*)::int AS n FROM ${sql.identifier(['pgmq', `q_${DOMAIN}__commands`])}`,
    );
    expect(leftInQueue).toBe(0);

    // The batch finished on its own, its counters as summarised, its callback fired once.
    const batch = await db().pool.one(
      sql.type(
        z.object({
          status: z.string(),
          total_count: z.number(),
          completed_count: z.number(),
          canceled_count: z.number(),
          in_troubleshooting_count: z.number(),
        }),
      )`
        SELECT status, total_count, completed_count, canceled_count, in_troubleshooting_count
          FROM commandbus.batch WHERE domain = ${DOMAIN} AND batch_id = ${summary.batch.batchId}`,
    );
    expect(batch).toEqual({
      status: 'COMPLETED',
      total_count: plan.batch.length,
      completed_count: plan.batch.length,
      canceled_count: 0,
      in_troubleshooting_count: 0,
    });
    expect(summary.batch).toEqual({
      batchId: summary.batch.batchId,
      status: batch.status,
      totalCount: batch.total_count,
      completedCount: batch.completed_count,
      canceledCount: batch.canceled_count,
      inTroubleshootingCount: batch.in_troubleshooting_count,
      completedCallbacks: 1,
    });
  }, 180_000);
});
