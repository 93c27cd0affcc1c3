// Bulk retry past one chunk: more troubleshooting items than one transaction
// of retryMany takes, each back in the queue exactly once, with its audit.
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getBatch } from '@commandbus/commandbus-schema';
import { waitFor } from '@commandbus/testing';
import { CHUNK_SIZE } from '../src/operator/retry-many.ts';
import { defineCommand, PermanentCommandError, type BatchCompletedEvent } from '../src/index.ts';
import { queueDepth, rolesOn, startWorker, useBusDatabase } from './bus-fixture.ts';

const invoice = defineCommand({ type: 'test.Invoice', data: z.object({ n: z.number() }) });

describe('operator bulk retry', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  it('retries every item of a batch larger than one chunk exactly once, with its audit, and a worker then completes them all', async () => {
    const domain = 'obr_chunks';
    const total = CHUNK_SIZE + 7;
    const queue = `${domain}__commands`;
    const { batchId, commands } = await roles.producer(domain).createBatch({
      name: 'month end',
      commands: Array.from({ length: total }, (_, n) => ({
        command: invoice,
        input: { data: { n } },
      })),
    });
    const ids = commands.map((c) => c.commandId);
    const failing = await startWorker(db(), { domain, concurrency: 20 }, (w) =>
      w.register(invoice, () => {
        throw new PermanentCommandError('LEDGER_CLOSED', 'the ledger is closed');
      }),
    );
    await waitFor(
      async () =>
        (await getBatch(db().pool, { domain, batchId }))?.inTroubleshootingCount === total ||
        undefined,
      { timeoutMs: 50_000, description: `${total} items in the troubleshooting queue` },
    );
    await failing.stop();
    const previousMsgIds = new Map(
      (
        await db().pool.any(
          sql.type(z.object({ command_id: z.string(), msg_id: z.number() }))`
            SELECT command_id::text, msg_id::int FROM commandbus.command WHERE domain = ${domain}`,
        )
      ).map((row) => [row.command_id, row.msg_id]),
    );

    const result = await roles
      .operator(domain, { actor: 'bob' })
      .retryMany({ filter: { batchId } });

    expect(result).toMatchObject({
      retried: total,
      notInTroubleshooting: 0,
      notFound: 0,
      notRetryable: 0,
    });
    expect(result.items.map((i) => i.commandId).sort()).toEqual([...ids].sort());
    expect(result.items.every((i) => i.outcome === 'retried')).toBe(true);
    const newMsgIds = new Map(result.items.map((i) => [i.commandId, i.msgId]));
    expect(new Set(newMsgIds.values()).size).toBe(total);

    // The queue holds one message per command, the one each retry reported and the row records.
    const queued = await db().pool.any(
      sql.type(
        z.object({
          command_id: z.string(),
          msg_id: z.number(),
          row_msg_id: z.number(),
          status: z.string(),
          attempts: z.number(),
        }),
      )`
        SELECT q.message->>'command_id' AS command_id, q.msg_id::int AS msg_id,
               c.msg_id::int AS row_msg_id, c.status, c.attempts
          FROM ${sql.identifier(['pgmq', `q_${queue}`])} AS q
          JOIN commandbus.command AS c
            ON c.domain = ${domain} AND c.command_id = (q.message->>'command_id')::uuid`,
    );
    expect(queued).toHaveLength(total);
    expect(new Set(queued.map((q) => q.command_id)).size).toBe(total);
    for (const q of queued) {
      expect(q).toEqual({
        command_id: q.command_id,
        msg_id: newMsgIds.get(q.command_id),
        row_msg_id: q.msg_id,
        status: 'PENDING',
        attempts: 0,
      });
    }

    // One OPERATOR_RETRY each, the last event, naming the new and the previous message.
    const retries = await db().pool.any(
      sql.type(
        z.object({
          command_id: z.string(),
          details: z.record(z.string(), z.unknown()),
          last: z.boolean(),
        }),
      )`
        SELECT a.command_id::text, a.details_json AS details,
               a.audit_id = (SELECT max(b.audit_id) FROM commandbus.audit AS b
                              WHERE b.domain = a.domain AND b.command_id = a.command_id) AS last
          FROM commandbus.audit AS a
         WHERE a.domain = ${domain} AND a.event_type = 'OPERATOR_RETRY'`,
    );
    expect(retries).toHaveLength(total);
    expect(new Set(retries.map((r) => r.command_id)).size).toBe(total);
    for (const r of retries) {
      expect(r.last).toBe(true);
      expect(r.details).toMatchObject({
        msg_id: newMsgIds.get(r.command_id),
        previous_msg_id: previousMsgIds.get(r.command_id),
        previous_attempts: 1,
        operator: 'bob',
      });
    }
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      totalCount: total,
      completedCount: 0,
      inTroubleshootingCount: 0,
    });

    const events: BatchCompletedEvent[] = [];
    await startWorker(
      db(),
      { domain, concurrency: 20, onBatchCompleted: (e) => events.push(e) },
      (w) => w.register(invoice, () => undefined),
    );
    await waitFor(
      async () =>
        (await getBatch(db().pool, { domain, batchId }))?.status === 'COMPLETED' || undefined,
      { timeoutMs: 50_000, description: 'the batch to complete' },
    );
    await waitFor(() => events.length > 0 || undefined, { description: 'the batch callback' });
    expect(events).toEqual([expect.objectContaining({ batchId })]);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      completedCount: total,
      inTroubleshootingCount: 0,
    });
    const completedOnce = await db().pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM commandbus.command
         WHERE domain = ${domain} AND status = 'COMPLETED' AND attempts = 1`,
    );
    expect(completedOnce).toBe(total);
    expect(await queueDepth(db(), queue)).toBe(0);
  });
});
