// One database, two libraries: what the Python command bus writes (played by
// python-bus.ts, in its exact formats) is handled by this library, and what
// this library writes is read by the Python side; failures of each side are
// resolved by the other side's operator.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '@commandbus/testing';
import {
  BusinessRuleError,
  defineCommand,
  NotInTroubleshootingError,
  PermanentCommandError,
  ReplyReader,
  type Reply,
} from '../../src/index.ts';
import {
  auditTrail,
  commandState,
  quietLogger,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from '../bus-fixture.ts';
import {
  pythonCreateBatch,
  pythonOperatorCancel,
  pythonOperatorRetry,
  pythonReadReplies,
  pythonSend,
  pythonWorkOnce,
} from './python-bus.ts';

const charge = defineCommand({
  type: 'payments.Charge',
  data: z.object({ amount: z.number() }),
  reply: z.object({ receipt: z.string() }),
});

const batchRow = z.object({
  status: z.string(),
  completed_count: z.number(),
  failed_count: z.number(),
  in_troubleshooting_count: z.number(),
  started: z.boolean(),
});

describe('sharing a database with the Python command bus', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  async function batch(domain: string, batchId: string) {
    return db().pool.one(sql.type(batchRow)`
      SELECT status, completed_count, failed_count, in_troubleshooting_count,
             started_at IS NOT NULL AS started
        FROM commandbus.batch WHERE domain = ${domain} AND batch_id = ${batchId}::uuid`);
  }

  async function replyQueue(name: string) {
    await db().pool.query(sql.unsafe`SELECT pgmq.create(${name})`);
    return name;
  }

  /** Our reader's replies of `queue`, read until `count` came. */
  async function ourReplies(domain: string, queue: string, count: number) {
    const reader = new ReplyReader({ pool: db().pool, domain, queue, logger: quietLogger });
    const replies: Reply[] = [];
    await waitFor(
      async () => {
        await reader.readOnce(charge, (reply) => {
          replies.push(reply);
        });
        return replies.length >= count;
      },
      { description: `${count} replies in ${queue}` },
    );
    return replies;
  }

  it('a Python-shaped send without reply is run by our worker with the row filling what the message lacks', async () => {
    const domain = 'py_plain';
    const seen: { createdAt: string; replyTo: string | null; batchId: string | null }[] = [];
    await startWorker(db(), { domain }, (w) =>
      w.register(charge, (ctx) => {
        seen.push({
          createdAt: ctx.command.createdAt,
          replyTo: ctx.command.replyTo,
          batchId: ctx.command.batchId,
        });
        return { receipt: `r-${ctx.command.data.amount}` };
      }),
    );
    const commandId = await pythonSend(db().pool, domain, {
      commandType: charge.type,
      data: { amount: 5 },
    });
    await waitForStatus(db(), domain, commandId, 'COMPLETED');
    expect(seen).toEqual([{ createdAt: expect.any(String), replyTo: null, batchId: null }]);
    expect(Date.parse(seen[0]?.createdAt ?? '')).not.toBeNaN();
    expect(await auditTrail(db(), commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
  });

  it('a Python-shaped send with reply gets a reply both libraries read', async () => {
    const domain = 'py_reply';
    const queue = await replyQueue('py_reply__answers');
    await startWorker(db(), { domain }, (w) =>
      w.register(charge, (ctx) => ({ receipt: `r-${ctx.command.data.amount}` })),
    );
    const correlationId = randomUUID();
    const commandId = await pythonSend(db().pool, domain, {
      commandType: charge.type,
      data: { amount: 7 },
      replyTo: queue,
      correlationId,
    });
    await waitForStatus(db(), domain, commandId, 'COMPLETED');
    const [python] = await pythonReadReplies(db().pool, queue);
    expect(python).toMatchObject({
      command_id: commandId,
      correlation_id: correlationId,
      outcome: 'SUCCESS',
      result: { receipt: 'r-7' },
      data: { receipt: 'r-7' },
    });
  });

  it('a Python-shaped batch whose messages carry other correlation ids than its rows runs, the rows winning, and completes', async () => {
    const domain = 'py_batch';
    const queue = await replyQueue('py_batch__answers');
    const correlations: (string | null)[] = [];
    await startWorker(db(), { domain }, (w) =>
      w.register(charge, (ctx) => {
        correlations.push(ctx.command.correlationId);
        return { receipt: 'ok' };
      }),
    );
    const rowIds = [randomUUID(), randomUUID(), randomUUID()];
    const { batchId, commandIds } = await pythonCreateBatch(
      db().pool,
      domain,
      rowIds.map((correlationId, amount) => ({
        commandType: charge.type,
        data: { amount },
        replyTo: queue,
        correlationId,
        messageCorrelationId: randomUUID(),
      })),
    );
    for (const id of commandIds) await waitForStatus(db(), domain, id, 'COMPLETED');
    expect(correlations.sort()).toEqual([...rowIds].sort());
    expect(await batch(domain, batchId)).toMatchObject({
      status: 'COMPLETED',
      completed_count: 3,
      started: true,
    });
    expect(await auditTrail(db(), batchId)).toEqual(['BATCH_STARTED', 'BATCH_COMPLETED']);
    const replies = await ourReplies(domain, queue, 3);
    expect(replies.map((r) => (r.outcome === 'SUCCESS' ? r.correlationId : null)).sort()).toEqual(
      [...rowIds].sort(),
    );
  });

  it('a Python-shaped message whose command type disagrees with its row stays INVALID_MESSAGE, no handler run', async () => {
    const domain = 'py_mismatch';
    const commandId = randomUUID();
    await db().pool.transaction(async (tx) => {
      await pythonSend(tx, domain, { commandType: charge.type, data: { amount: 1 }, commandId });
      // The row says another type than the message: one of the two was written by hand.
      await tx.query(sql.unsafe`
        UPDATE commandbus.command SET command_type = 'payments.Refund' WHERE command_id = ${commandId}::uuid`);
    });
    let ran = 0;
    await startWorker(db(), { domain }, (w) =>
      w.register(charge, () => {
        ran += 1;
        return { receipt: 'no' };
      }),
    );
    await waitForStatus(db(), domain, commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(ran).toBe(0);
    const row = await roles.operator(domain).getCommand(commandId);
    expect(row.lastError).toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(row.auditTrail.map((e) => e.eventType)).toContain('MOVED_TO_TSQ');
  });

  it('our sends are run by the Python-shaped worker and its replies, success and business-rule failure, parse in our ReplyReader', async () => {
    const domain = 'py_runs_ours';
    const producer = roles.producer(domain);
    await producer.setup();
    const { batchId, commands } = await producer.createBatch({
      commands: [1, 2].map((amount) => ({
        command: charge,
        input: { data: { amount }, replyTo: true as const },
      })),
    });
    const read = await pythonWorkOnce(db().pool, domain, (message) =>
      (message['data'] as { amount: number }).amount === 1
        ? { kind: 'success', result: { receipt: 'py-1' } }
        : { kind: 'business', code: 'CARD_EXPIRED', message: 'the card has expired' },
    );
    expect(read).toHaveLength(2);
    const replies = await ourReplies(domain, `${domain}__replies`, 2);
    const byId = new Map(replies.map((r) => [r.outcome === 'INVALID' ? '' : r.commandId, r]));
    expect(byId.get(commands[0]?.commandId ?? '')).toMatchObject({
      outcome: 'SUCCESS',
      commandType: charge.type,
      domain,
      data: { receipt: 'py-1' },
    });
    expect(byId.get(commands[1]?.commandId ?? '')).toMatchObject({
      outcome: 'FAILED',
      error: { type: 'BUSINESS_RULE', code: 'CARD_EXPIRED', message: 'the card has expired' },
    });
    expect(await batch(domain, batchId)).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      completed_count: 1,
      failed_count: 1,
    });
    const failed = await roles.operator(domain).listCommands({ status: 'FAILED' });
    expect(failed.map((c) => c.commandId)).toEqual([commands[1]?.commandId]);
  });

  it('a command the Python-shaped worker moved to troubleshooting is retried by our operator from PGMQ’s archive and completed by our worker', async () => {
    const domain = 'py_tsq_ours';
    const producer = roles.producer(domain);
    const { commandId } = await producer.send(charge, { data: { amount: 3 } });
    await pythonWorkOnce(db().pool, domain, () => ({
      kind: 'permanent',
      code: 'GATEWAY_GONE',
      message: 'the gateway is gone',
    }));
    expect(await commandState(db(), domain, commandId)).toMatchObject({
      status: 'IN_TROUBLESHOOTING_QUEUE',
    });
    const shown = await roles.operator(domain).getCommand(commandId);
    expect(shown.archivedPayload).toMatchObject({ command_id: commandId, data: { amount: 3 } });
    expect(shown.auditTrail.map((e) => e.eventType)).toEqual(['SENT', 'RECEIVED', 'MOVED_TO_TSQ']);

    await roles.operator(domain).retry(commandId);
    await startWorker(db(), { domain }, (w) => w.register(charge, () => ({ receipt: 'again' })));
    await waitForStatus(db(), domain, commandId, 'COMPLETED');
  });

  it('our troubleshooting item is retried and canceled by the Python-shaped operator, the cancel reply parsed by our reader', async () => {
    const domain = 'py_operates_ours';
    const producer = roles.producer(domain);
    const [retried, canceled] = await Promise.all(
      [1, 2].map((amount) =>
        producer.send(charge, { data: { amount }, replyTo: true, correlationId: randomUUID() }),
      ),
    );
    let fail = true;
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(charge, () => {
        if (fail) throw new PermanentCommandError('DECLINED', 'declined');
        return { receipt: 'second time' };
      }),
    );
    for (const sent of [retried, canceled])
      await waitForStatus(db(), domain, sent?.commandId ?? '', 'IN_TROUBLESHOOTING_QUEUE');
    fail = false;
    await pythonOperatorRetry(db().pool, domain, retried?.commandId ?? '');
    await pythonOperatorCancel(db().pool, domain, canceled?.commandId ?? '', 'customer left');
    await waitForStatus(db(), domain, retried?.commandId ?? '', 'COMPLETED');
    expect(worker.counts.troubleshooting).toBe(2);
    const replies = await ourReplies(domain, `${domain}__replies`, 2);
    expect(replies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'CANCELED',
          commandId: canceled?.commandId,
          error: { type: 'CANCELED', code: 'CANCELED_BY_OPERATOR', message: 'customer left' },
        }),
        expect.objectContaining({ outcome: 'SUCCESS', commandId: retried?.commandId }),
      ]),
    );
  });

  it('a business-rule failure in our handler ends FAILED at once with a reply the Python side reads; no operator action applies', async () => {
    const domain = 'py_business';
    const producer = roles.producer(domain);
    await producer.setup();
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(charge, () => {
        throw new BusinessRuleError('LIMIT_EXCEEDED', 'over the limit', { limit: 100 });
      }),
    );
    const { batchId, commands } = await producer.createBatch({
      commands: [{ command: charge, input: { data: { amount: 500 }, replyTo: true as const } }],
    });
    const commandId = commands[0]?.commandId ?? '';
    await waitForStatus(db(), domain, commandId, 'FAILED');
    expect(await commandState(db(), domain, commandId)).toEqual({ status: 'FAILED', attempts: 1 });
    expect(worker.counts).toMatchObject({ failed: 1, retry: 0, troubleshooting: 0 });
    expect(await auditTrail(db(), commandId)).toEqual(['SENT', 'RECEIVED', 'BUSINESS_RULE_FAILED']);
    expect(await batch(domain, batchId)).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      failed_count: 1,
      in_troubleshooting_count: 0,
    });
    const [python] = await pythonReadReplies(db().pool, `${domain}__replies`);
    expect(python).toMatchObject({
      command_id: commandId,
      outcome: 'FAILED',
      error_code: 'LIMIT_EXCEEDED',
      error_message: 'over the limit',
      result: {
        error_code: 'LIMIT_EXCEEDED',
        error_message: 'over the limit',
        error_details: { limit: 100 },
      },
    });
    const error = await roles
      .operator(domain)
      .retry(commandId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotInTroubleshootingError);
    expect(error).toMatchObject({ code: 'NOT_IN_TROUBLESHOOTING', status: 'FAILED' });
  });

  it('a Python-shaped send wakes our worker through the shared NOTIFY channel, not its poll', async () => {
    const domain = 'py_wakeup';
    await startWorker(db(), { domain, pollIntervalMs: 60_000 }, (w) =>
      w.register(charge, () => ({ receipt: 'woken' })),
    );
    await waitFor(
      () =>
        db().pool.oneFirst(sql.type(z.object({ listening: z.boolean() }))`
          SELECT count(*) > 0 AS listening FROM pg_stat_activity
           WHERE datname = current_database()
             AND query = ${`LISTEN "pgmq_notify_${domain}__commands"`}`),
      { description: 'the worker LISTENing on the shared channel' },
    );
    const commandId = await pythonSend(db().pool, domain, {
      commandType: charge.type,
      data: { amount: 9 },
    });
    await waitForStatus(db(), domain, commandId, 'COMPLETED');
  });
});
