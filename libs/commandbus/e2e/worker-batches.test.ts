// Batches through the worker: the batch-completed callback on every path that
// can finish a batch, a callback that throws, and a batch id used twice.
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getAuditTrail, getBatch } from '@commandbus/commandbus-schema';
import { waitFor } from '@commandbus/testing';
import {
  CancelCommandError,
  defineCommand,
  DuplicateBatchError,
  PermanentCommandError,
  type BatchCompletedEvent,
} from '../src/index.ts';
import {
  auditTrail,
  commandState,
  queueDepth,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { refuse } from './test-commands.ts';

const step = defineCommand({ type: 'test.Step', data: z.object({ n: z.number() }) });
const fragile = defineCommand({ type: 'test.Fragile', data: z.object({}) });
const record = defineCommand({ type: 'test.Record', data: z.object({ n: z.number() }) });

describe('worker batches', () => {
  const db = useBusDatabase();
  const { producer, operator } = rolesOn(db);

  const waitForBatch = (domain: string, batchId: string, statuses: readonly string[]) =>
    waitFor(
      async () => {
        const row = await getBatch(db().pool, { domain, batchId });
        return row && statuses.includes(row.status) ? row : undefined;
      },
      { timeoutMs: 15_000, description: `batch ${batchId} to be ${statuses.join(' or ')}` },
    );

  async function batchCompletedEvents(domain: string, batchId: string) {
    return (await getAuditTrail(db().pool, { domain, commandId: batchId })).filter(
      (e) => e.eventType === 'BATCH_COMPLETED',
    );
  }

  it('a handler that cancels the last command of a batch completes it with failures and calls the callback once', async () => {
    const domain = 'wbt_cancel';
    const { batchId, commands } = await producer(domain).createBatch({
      commands: [
        { command: step, input: { data: { n: 1 } } },
        { command: refuse, input: { data: {} } },
      ],
    });
    const [stepped, refused] = commands.map((c) => c.commandId) as [string, string];
    const events: BatchCompletedEvent[] = [];
    await startWorker(db(), { domain, onBatchCompleted: (e) => events.push(e) }, (w) =>
      w
        .register(step, () => undefined)
        .register(refuse, async () => {
          // Cancel only once the other command is done, so the cancel completes the batch.
          await waitForStatus(db(), domain, stepped, 'COMPLETED');
          throw new CancelCommandError('not wanted');
        }),
    );

    const batch = await waitForBatch(domain, batchId, ['COMPLETED', 'COMPLETED_WITH_FAILURES']);
    expect(batch).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      totalCount: 2,
      completedCount: 1,
      canceledCount: 1,
      inTroubleshootingCount: 0,
    });
    await waitFor(() => events.length > 0 || undefined, { description: 'the batch callback' });
    expect(events).toEqual([{ domain, batchId, commandId: refused }]);
    expect(await batchCompletedEvents(domain, batchId)).toHaveLength(1);
    expect(await auditTrail(db(), refused)).toEqual(['SENT', 'RECEIVED', 'CANCELED']);
  });

  it('a batch whose last command goes to troubleshooting completes only when the operator resolves it, and the worker is not called back for it', async () => {
    const domain = 'wbt_tsq';
    const { batchId, commands } = await producer(domain).createBatch({
      commands: [
        { command: step, input: { data: { n: 1 } } },
        { command: fragile, input: { data: {} } },
      ],
    });
    const [stepped, broken] = commands.map((c) => c.commandId) as [string, string];
    const events: BatchCompletedEvent[] = [];
    const worker = await startWorker(
      db(),
      { domain, onBatchCompleted: (e) => events.push(e) },
      (w) =>
        w
          .register(step, () => undefined)
          .register(fragile, async () => {
            await waitForStatus(db(), domain, stepped, 'COMPLETED');
            throw new PermanentCommandError('BROKEN', 'broken for good');
          }),
    );
    await waitFor(() => worker.counts.troubleshooting === 1 || undefined, {
      description: 'the fragile command to be troubleshooting',
    });
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      completedCount: 1,
      inTroubleshootingCount: 1,
    });
    expect(events).toEqual([]);
    expect(await batchCompletedEvents(domain, batchId)).toEqual([]);

    const resolved = await operator(domain).complete(broken, { by: 'hand' });
    expect(resolved).toMatchObject({ status: 'COMPLETED', batchId, batchCompleted: true });
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED',
      completedCount: 2,
      inTroubleshootingCount: 0,
    });
    expect(await batchCompletedEvents(domain, batchId)).toHaveLength(1);
    // The operator's decision is reported in its result; workers do not hear of it.
    expect(events).toEqual([]);
    expect(await auditTrail(db(), broken)).toEqual([
      'SENT',
      'RECEIVED',
      'MOVED_TO_TSQ',
      'OPERATOR_COMPLETE',
    ]);
  });

  it('a troubleshooting item the operator retries completes its batch on the worker, which calls the callback once', async () => {
    const domain = 'wbt_tsq_retry';
    const { batchId, commands } = await producer(domain).createBatch({
      commands: [{ command: fragile, input: { data: {} } }],
    });
    const [commandId] = commands.map((c) => c.commandId) as [string];
    const events: BatchCompletedEvent[] = [];
    let failed = false;
    await startWorker(db(), { domain, onBatchCompleted: (e) => events.push(e) }, (w) =>
      w.register(fragile, () => {
        if (!failed) {
          failed = true;
          throw new PermanentCommandError('BROKEN', 'broken until fixed');
        }
      }),
    );
    await waitForStatus(db(), domain, commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(events).toEqual([]);

    await operator(domain).retry(commandId);
    await waitForBatch(domain, batchId, ['COMPLETED']);
    await waitFor(() => events.length > 0 || undefined, { description: 'the batch callback' });
    expect(events).toEqual([{ domain, batchId, commandId }]);
    expect(await batchCompletedEvents(domain, batchId)).toHaveLength(1);
    expect(await auditTrail(db(), commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'MOVED_TO_TSQ',
      'OPERATOR_RETRY',
      'RECEIVED',
      'COMPLETED',
    ]);
  });

  it('a callback that throws rolls nothing back: batches stay completed, outcomes are counted as they were, and the worker keeps working', async () => {
    const domain = 'wbt_throws';
    await db().pool.query(sql.unsafe`CREATE TABLE wbt_records (n int PRIMARY KEY)`);
    const logLines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
    const calls: string[] = [];
    const worker = await startWorker(
      db(),
      {
        domain,
        logger,
        onBatchCompleted: ({ batchId }) => {
          calls.push(batchId);
          throw new Error(`callback broke on ${batchId}`);
        },
      },
      (w) =>
        w
          .register(step, () => undefined)
          .register(refuse, () => {
            throw new CancelCommandError('no');
          })
          .register(record, async ({ command, db: tx }) => {
            await tx.query(sql.unsafe`INSERT INTO wbt_records VALUES (${command.data.n})`);
          }),
    );
    // One batch per way of finishing it: a grouped completion, a cancel, a
    // completion that commits the handler's writes.
    const grouped = await producer(domain).createBatch({
      commands: [1, 2, 3].map((n) => ({ command: step, input: { data: { n } } })),
    });
    const canceled = await producer(domain).createBatch({
      commands: [{ command: refuse, input: { data: {} } }],
    });
    const written = await producer(domain).createBatch({
      commands: [{ command: record, input: { data: { n: 7 } } }],
    });
    await waitFor(() => calls.length === 3 || undefined, { description: 'three callbacks' });
    await waitFor(() => worker.counts.completed + worker.counts.canceled === 5 || undefined, {
      description: 'five deliveries to end',
    });

    expect(worker.counts).toMatchObject({
      completed: 4,
      canceled: 1,
      retry: 0,
      troubleshooting: 0,
      abandoned: 0,
    });
    expect(await getBatch(db().pool, { domain, batchId: grouped.batchId })).toMatchObject({
      status: 'COMPLETED',
      completedCount: 3,
    });
    expect(await getBatch(db().pool, { domain, batchId: canceled.batchId })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      canceledCount: 1,
    });
    expect(await getBatch(db().pool, { domain, batchId: written.batchId })).toMatchObject({
      status: 'COMPLETED',
      completedCount: 1,
    });
    for (const { commands, outcome } of [
      { commands: grouped.commands, outcome: 'COMPLETED' },
      { commands: written.commands, outcome: 'COMPLETED' },
      { commands: canceled.commands, outcome: 'CANCELED' },
    ]) {
      for (const { commandId } of commands) {
        expect(await commandState(db(), domain, commandId)).toEqual({
          status: outcome,
          attempts: 1,
        });
        expect(await auditTrail(db(), commandId)).toEqual(['SENT', 'RECEIVED', outcome]);
      }
    }
    const records = await db().pool.anyFirst(
      sql.type(z.object({ n: z.number() }))`SELECT n FROM wbt_records`,
    );
    expect(records).toEqual([7]);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    const logged = logLines.map((line) => JSON.parse(line) as { batchId?: string; err?: unknown });
    for (const { batchId } of [grouped, canceled, written]) {
      expect(logged.some((entry) => entry.batchId === batchId && entry.err)).toBe(true);
    }

    const later = await producer(domain).send(step, { data: { n: 4 } });
    await waitForStatus(db(), domain, later.commandId, 'COMPLETED');
  });

  it('createBatch with a batch id that exists is a DuplicateBatchError and writes nothing', async () => {
    const domain = 'wbt_dup';
    const batchId = randomUUID();
    await producer(domain).createBatch({
      batchId,
      name: 'first',
      commands: [{ command: step, input: { data: { n: 1 } } }],
    });
    const footprint = async () =>
      db().pool.one(
        sql.type(z.object({ commands: z.number(), audit: z.number(), batch: z.unknown() }))`
          SELECT (SELECT count(*)::int FROM commandbus.command WHERE domain = ${domain}) AS commands,
                 (SELECT count(*)::int FROM commandbus.audit WHERE domain = ${domain}) AS audit,
                 (SELECT to_jsonb(b) FROM commandbus.batch AS b
                   WHERE domain = ${domain} AND batch_id = ${batchId}) AS batch`,
      );
    const before = await footprint();
    const depthBefore = await queueDepth(db(), `${domain}__commands`);

    const error = await producer(domain)
      .createBatch({
        batchId: batchId.toUpperCase(),
        name: 'second',
        commands: [
          { command: step, input: { data: { n: 2 } } },
          { command: step, input: { data: { n: 3 } } },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(DuplicateBatchError);
    expect(error).toMatchObject({ code: 'DUPLICATE_BATCH', batchId });
    expect((error as Error).message).toContain(batchId);
    expect(await footprint()).toEqual(before);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(depthBefore);
  });
});
