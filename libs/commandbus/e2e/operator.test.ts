// The operator API end to end on a real database: each action with its audit
// and batch effects, replies, rejections, bad input, and the inspection side.
import { randomUUID } from 'node:crypto';
import { read } from '@commandbus/pgmq';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  getArchivedPayload,
  getAuditTrail,
  getBatch,
  getCommand,
  receiveCommand,
} from '@commandbus/commandbus-schema';
import { waitFor } from '@commandbus/testing';
import {
  CommandNotFoundError,
  BatchNotFoundError,
  defineCommand,
  InvalidInputError,
  NotInTroubleshootingError,
  PayloadNotRetryableError,
  type CommandStatus,
} from '../src/index.ts';
import {
  archiveDepth,
  auditTrail,
  domainRowCount,
  queueDepth,
  queueNames,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { charge, declined } from './test-commands.ts';

const refund = defineCommand({ type: 'test.Refund', data: z.object({ amount: z.number() }) });

describe('operator', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);
  const operator = (domain: string) => roles.operator(domain, { actor: 'alice' });
  const { producer } = roles;

  /** Sends commands (a batch, optionally) and lets a failing worker put them all in the troubleshooting queue. */
  async function intoTroubleshooting(
    domain: string,
    options: { count?: number; batch?: boolean; type?: typeof charge } = {},
  ): Promise<{ ids: string[]; batchId: string | null }> {
    const count = options.count ?? 1;
    const commands = Array.from({ length: count }, (_, amount) => ({
      command: options.type ?? charge,
      input: { data: { amount }, replyTo: true as const },
    }));
    let ids: string[];
    let batchId: string | null = null;
    if (options.batch) {
      const created = await producer(domain).createBatch({ name: 'ops', commands });
      ids = created.commands.map((c) => c.commandId);
      batchId = created.batchId;
    } else {
      ids = (await producer(domain).sendBatch(commands)).map((c) => c.commandId);
    }
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(charge, declined).register(refund, declined),
    );
    for (const id of ids) await waitForStatus(db(), domain, id, 'IN_TROUBLESHOOTING_QUEUE');
    await worker.stop();
    return { ids, batchId };
  }

  const readReply = (domain: string) => roles.nextReply(domain, [charge, refund]);

  /** Rows and messages a rejected call must leave untouched. */
  async function footprint(domain: string) {
    return {
      audit: await domainRowCount(db(), 'audit', domain),
      commands: await db().pool.any(
        sql.type(z.object({ command_id: z.string(), status: z.string(), attempts: z.number() }))`
          SELECT command_id, status, attempts FROM commandbus.command WHERE domain = ${domain} ORDER BY command_id`,
      ),
      batches: await db().pool.any(
        sql.type(
          z.object({ b: z.unknown() }),
        )`SELECT to_jsonb(b) AS b FROM commandbus.batch AS b WHERE domain = ${domain} ORDER BY batch_id`,
      ),
      queued: await queueDepth(db(), `${domain}__commands`),
    };
  }

  it('lists troubleshooting items with their last error and archived payload, filtered and paged', async () => {
    const domain = 'op_list';
    const { ids: charges, batchId } = await intoTroubleshooting(domain, { count: 3, batch: true });
    const { ids: refunds } = await intoTroubleshooting(domain, { count: 2, type: refund });

    const page = await operator(domain).listTroubleshooting();
    expect(page.total).toBe(5);
    expect(page.items.map((i) => i.command.commandId).sort()).toEqual(
      [...charges, ...refunds].sort(),
    );
    const first = page.items.find((i) => i.command.commandId === charges[0]);
    expect(first?.lastError).toEqual({
      type: 'PERMANENT',
      code: 'CARD_DECLINED',
      message: 'the card was declined',
    });
    expect(first?.payload).toMatchObject({
      command_id: charges[0],
      data: { amount: 0 },
      batch_id: batchId,
    });
    expect(first?.archivedAt).toBeInstanceOf(Date);

    const byType = await operator(domain).listTroubleshooting({ commandType: 'test.Refund' });
    expect(byType.items.map((i) => i.command.commandId).sort()).toEqual([...refunds].sort());
    expect(byType.total).toBe(2);
    const byBatch = await operator(domain).listTroubleshooting({ batchId: batchId ?? '' });
    expect(byBatch.items.map((i) => i.command.commandId).sort()).toEqual([...charges].sort());

    const pages = [0, 2, 4].map((offset) =>
      operator(domain).listTroubleshooting({ limit: 2, offset }),
    );
    const paged = (await Promise.all(pages)).flatMap((p) =>
      p.items.map((i) => i.command.commandId),
    );
    expect(paged).toEqual(page.items.map((i) => i.command.commandId));
    expect((await operator('op_list_empty').listTroubleshooting()).items).toEqual([]);
  });

  it('retry re-enqueues the archived payload as a new message: PENDING, attempts 0, OPERATOR_RETRY, batch counter back', async () => {
    const domain = 'op_retry';
    const { ids, batchId } = await intoTroubleshooting(domain, { count: 2, batch: true });
    const [commandId] = ids as [string];
    const before = await getCommand(db().pool, { domain, commandId });
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      inTroubleshootingCount: 2,
    });

    const result = await operator(domain).retry(commandId);
    expect(result).toMatchObject({
      domain,
      commandId,
      status: 'PENDING',
      batchId,
      batchCompleted: false,
    });
    expect(result.msgId).not.toBe(before?.msgId);

    expect(await getCommand(db().pool, { domain, commandId })).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      msgId: result.msgId,
      lastErrorCode: 'CARD_DECLINED',
    });
    const [message] = await read(db().pool, { queue: `${domain}__commands`, vt: 0, qty: 10 });
    expect(message?.msgId).toBe(result.msgId);
    expect(message?.message).toEqual(
      (await getArchivedPayload(db().pool, { domain, commandId }))?.payload,
    );
    const retryEvent = (await getAuditTrail(db().pool, { domain, commandId })).at(-1);
    expect(retryEvent).toMatchObject({
      eventType: 'OPERATOR_RETRY',
      details: {
        msg_id: result.msgId,
        previous_msg_id: before?.msgId,
        previous_attempts: 1,
        operator: 'alice',
      },
    });
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      inTroubleshootingCount: 1,
      completedCount: 0,
      status: 'IN_PROGRESS',
    });
  });

  it('a retried command completes on the next worker pass, woken by NOTIFY, and completes its batch', async () => {
    const domain = 'op_retry_run';
    const { ids, batchId } = await intoTroubleshooting(domain, { count: 1, batch: true });
    const [commandId] = ids as [string];
    // A poll interval far beyond the test's deadline: only the retry's NOTIFY can wake it.
    await startWorker(db(), { domain, pollIntervalMs: 60_000 }, (w) =>
      w.register(charge, () => undefined),
    );
    await operator(domain).retry(commandId);
    const state = await waitForStatus(db(), domain, commandId, 'COMPLETED', 10_000);
    expect(state.attempts).toBe(1);
    expect(await auditTrail(db(), commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'MOVED_TO_TSQ',
      'OPERATOR_RETRY',
      'RECEIVED',
      'COMPLETED',
    ]);
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      status: 'COMPLETED',
      completedCount: 1,
      inTroubleshootingCount: 0,
    });
    expect(await readReply(domain)).toMatchObject({ commandId, outcome: 'SUCCESS' });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('retry still works after PGMQ’s archive has been purged', async () => {
    const domain = 'op_purged';
    const { ids } = await intoTroubleshooting(domain);
    const [commandId] = ids as [string];
    const archive = sql.identifier(['pgmq', `a_${domain}__commands`]);
    await db().pool.query(sql.unsafe`DELETE FROM ${archive}`);
    expect(await archiveDepth(db(), `${domain}__commands`)).toBe(0);

    await operator(domain).retry(commandId);
    await startWorker(db(), { domain }, (w) => w.register(charge, () => undefined));
    await waitForStatus(db(), domain, commandId, 'COMPLETED');
  });

  it('cancel: CANCELED, OPERATOR_CANCEL with the reason, reply CANCELED, batch completed with failures', async () => {
    const domain = 'op_cancel';
    const { ids, batchId } = await intoTroubleshooting(domain, { count: 1, batch: true });
    const [commandId] = ids as [string];

    const result = await operator(domain).cancel(commandId, 'customer closed the account');
    expect(result).toEqual({
      domain,
      commandId,
      status: 'CANCELED',
      batchId,
      batchCompleted: true,
      replyQueue: `${domain}__replies`,
    });
    expect(await getCommand(db().pool, { domain, commandId })).toMatchObject({
      status: 'CANCELED',
    });
    const trail = await getAuditTrail(db().pool, { domain, commandId });
    expect(trail.at(-1)).toMatchObject({
      eventType: 'OPERATOR_CANCEL',
      details: {
        reason: 'customer closed the account',
        reply_to: `${domain}__replies`,
        operator: 'alice',
      },
    });
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      totalCount: 1,
      completedCount: 0,
      canceledCount: 1,
      inTroubleshootingCount: 0,
    });
    const batchEvents = await getAuditTrail(db().pool, { domain, commandId: batchId ?? '' });
    expect(batchEvents.filter((e) => e.eventType === 'BATCH_COMPLETED')).toHaveLength(1);
    expect(await readReply(domain)).toMatchObject({
      commandId,
      commandType: 'test.Charge',
      outcome: 'CANCELED',
      error: {
        type: 'CANCELED',
        code: 'CANCELED_BY_OPERATOR',
        message: 'customer closed the account',
      },
    });
  });

  it('complete: COMPLETED, OPERATOR_COMPLETE, reply SUCCESS with the data, counted once in its batch', async () => {
    const domain = 'op_complete';
    const { ids, batchId } = await intoTroubleshooting(domain, { count: 2, batch: true });
    const [first, second] = ids as [string, string];

    const one = await operator(domain).complete(first, { receipt: 'R-1' });
    expect(one).toMatchObject({ status: 'COMPLETED', batchCompleted: false });
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      completedCount: 1,
      inTroubleshootingCount: 1,
      status: 'IN_PROGRESS',
    });
    const two = await operator(domain).complete(second);
    expect(two).toMatchObject({ status: 'COMPLETED', batchCompleted: true });
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      status: 'COMPLETED',
      totalCount: 2,
      completedCount: 2,
      canceledCount: 0,
      inTroubleshootingCount: 0,
    });
    expect((await getAuditTrail(db().pool, { domain, commandId: first })).at(-1)).toMatchObject({
      eventType: 'OPERATOR_COMPLETE',
      details: { result_data: { receipt: 'R-1' } },
    });
    const replies = [await readReply(domain), await readReply(domain)];
    expect(replies).toEqual([
      expect.objectContaining({
        commandId: first,
        outcome: 'SUCCESS',
        data: { receipt: 'R-1' },
      }),
      expect.objectContaining({ commandId: second, outcome: 'SUCCESS', data: null }),
    ]);
  });

  it('sends no reply when the sender asked for none', async () => {
    const domain = 'op_noreply';
    const sent = await producer(domain).send(charge, { data: { amount: 1 } });
    await startWorker(db(), { domain }, (w) => w.register(charge, declined));
    await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    const result = await operator(domain).complete(sent.commandId, { ok: true });
    expect(result.replyQueue).toBeNull();
    const queues = await queueNames(db());
    expect(queues).not.toContain(`${domain}__replies`);
  });

  it('rejects every action on a command in any other status, naming the status, and writes nothing', async () => {
    const domain = 'op_states';
    const { ids } = await intoTroubleshooting(domain, { count: 3 });
    const [toComplete, toCancel, toRetry] = ids as [string, string, string];
    await operator(domain).complete(toComplete);
    await operator(domain).cancel(toCancel, 'not needed');
    await operator(domain).retry(toRetry); // PENDING now
    const pending = toRetry;
    // IN_PROGRESS as a worker leaves it mid-handler (received, not finished).
    const running = (await producer(domain).send(charge, { data: { amount: 9 } })).commandId;
    await receiveCommand(db().pool, { domain, commandId: running });

    const cases: [string, CommandStatus][] = [
      [pending, 'PENDING'],
      [running, 'IN_PROGRESS'],
      [toComplete, 'COMPLETED'],
      [toCancel, 'CANCELED'],
    ];
    const before = await footprint(domain);
    for (const [commandId, status] of cases) {
      for (const act of [
        () => operator(domain).retry(commandId),
        () => operator(domain).cancel(commandId, 'why not'),
        () => operator(domain).complete(commandId, { x: 1 }),
      ]) {
        const error = await act().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(NotInTroubleshootingError);
        expect(error).toMatchObject({ code: 'NOT_IN_TROUBLESHOOTING', status });
        expect((error as Error).message).toContain(status);
      }
    }
    expect(await footprint(domain)).toEqual(before);
  });

  it('an unknown command is CommandNotFoundError for every action and for getCommand', async () => {
    const domain = 'op_unknown';
    const commandId = randomUUID();
    for (const act of [
      () => operator(domain).retry(commandId),
      () => operator(domain).cancel(commandId, 'gone'),
      () => operator(domain).complete(commandId),
      () => operator(domain).getCommand(commandId),
    ]) {
      await expect(act()).rejects.toSatisfy(
        (e: unknown) => e instanceof CommandNotFoundError && e.code === 'COMMAND_NOT_FOUND',
      );
    }
    await expect(operator(domain).getBatch(randomUUID())).rejects.toBeInstanceOf(
      BatchNotFoundError,
    );
    await expect(operator(domain).retryMany({ commandIds: [commandId] })).resolves.toMatchObject({
      notFound: 1,
    });
    // A mistyped domain must not leave queues behind.
    const queues = await queueNames(db());
    expect(queues.filter((q) => q.startsWith(domain))).toEqual([]);
  });

  it('rejects bad input with typed errors before any SQL, writing nothing', async () => {
    const domain = 'op_bad';
    const { ids } = await intoTroubleshooting(domain);
    const [commandId] = ids as [string];
    const before = await footprint(domain);
    const cases: [() => Promise<unknown>, string][] = [
      [async () => operator('Bad-Domain').retry(commandId), 'INVALID_DOMAIN'],
      [() => operator(domain).retry('not-a-uuid'), 'INVALID_UUID'],
      [() => operator(domain).cancel(commandId, '  '), 'INVALID_ARGUMENT'],
      [() => operator(domain).cancel(`${commandId}'; DROP TABLE x; --`, 'r'), 'INVALID_UUID'],
      [
        () => operator(domain).complete(commandId, [1, 2] as unknown as Record<string, unknown>),
        'INVALID_ARGUMENT',
      ],
      [
        () => operator(domain).complete(commandId, { n: 1n } as Record<string, unknown>),
        'INVALID_ARGUMENT',
      ],
      [() => operator(domain).retryMany({ commandIds: [commandId, 'nope'] }), 'INVALID_UUID'],
      [() => operator(domain).retryMany({ filter: { batchId: 'x' } }), 'INVALID_UUID'],
      [() => operator(domain).listTroubleshooting({ limit: 0 }), 'INVALID_ARGUMENT'],
      [() => operator(domain).listCommands({ status: 'DONE' as CommandStatus }), 'INVALID_STATUS'],
      [() => operator(domain).getBatch('42'), 'INVALID_UUID'],
      [async () => operator('x'.repeat(31)).queueFigures(), 'INVALID_DOMAIN'],
    ];
    for (const [act, code] of cases) {
      await expect(act()).rejects.toSatisfy(
        (e: unknown) => e instanceof InvalidInputError && e.code === code,
      );
    }
    expect(await footprint(domain)).toEqual(before);
  });

  it('refuses to retry an item whose payload is in neither archive, or is not its envelope', async () => {
    const domain = 'op_noretry';
    const { ids } = await intoTroubleshooting(domain, { count: 2 });
    const [missing, broken] = ids as [string, string];
    await db().pool.query(
      sql.unsafe`DELETE FROM commandbus.payload_archive WHERE command_id = ${missing}::uuid`,
    );
    // PGMQ's archive is the fallback: past its retention the payload is gone for good.
    await db().pool.query(
      sql.unsafe`DELETE FROM pgmq.a_op_noretry__commands WHERE message->>'command_id' = ${missing}`,
    );
    await db().pool.query(
      sql.unsafe`UPDATE commandbus.payload_archive SET payload_json = '"garbage"' WHERE command_id = ${broken}::uuid`,
    );
    const before = await footprint(domain);
    await expect(operator(domain).retry(missing)).rejects.toMatchObject({
      code: 'PAYLOAD_NOT_RETRYABLE',
      reason: 'no payload was archived for it',
    });
    await expect(operator(domain).retry(broken)).rejects.toBeInstanceOf(PayloadNotRetryableError);
    const bulk = await operator(domain).retryMany({ filter: {} });
    expect(bulk).toMatchObject({ retried: 0, notRetryable: 2 });
    expect(await footprint(domain)).toEqual(before);
    // Cancel and complete do not need the payload.
    await operator(domain).cancel(broken, 'cannot be replayed');
  });

  it('retryMany by ids counts what happened to each id', async () => {
    const domain = 'op_bulk_ids';
    const { ids, batchId } = await intoTroubleshooting(domain, { count: 4, batch: true });
    const [a, b, c, done] = ids as [string, string, string, string];
    await operator(domain).complete(done);
    const unknown = randomUUID();
    const result = await operator(domain).retryMany({
      commandIds: [a, b.toUpperCase(), c, done, unknown, a],
    });
    expect(result).toMatchObject({
      retried: 3,
      notInTroubleshooting: 1,
      notFound: 1,
      notRetryable: 0,
    });
    expect(result.items.map((i) => [i.commandId, i.outcome, i.status])).toEqual([
      [a, 'retried', undefined],
      [b, 'retried', undefined],
      [c, 'retried', undefined],
      [done, 'not_in_troubleshooting', 'COMPLETED'],
      [unknown, 'not_found', undefined],
    ]);
    expect(new Set(result.items.map((i) => i.msgId).filter(Boolean)).size).toBe(3);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(3);
    expect(await getBatch(db().pool, { domain, batchId: batchId ?? '' })).toMatchObject({
      inTroubleshootingCount: 0,
      completedCount: 1,
    });
    for (const id of [a, b, c]) {
      expect(await getCommand(db().pool, { domain, commandId: id })).toMatchObject({
        status: 'PENDING',
        attempts: 0,
      });
    }
  });

  it('retryMany by filter retries only matching items, each once, even when they fail straight back', async () => {
    const domain = 'op_bulk_filter';
    const { ids: charges } = await intoTroubleshooting(domain, { count: 3 });
    const { ids: refunds } = await intoTroubleshooting(domain, { count: 2, type: refund });
    // A worker that fails everything again, at once: a filter that re-selected
    // "what is in the queue now" would chase these forever.
    await startWorker(db(), { domain }, (w) =>
      w.register(charge, declined).register(refund, declined),
    );

    const byType = await operator(domain).retryMany({ filter: { commandType: 'test.Refund' } });
    expect(byType).toMatchObject({ retried: 2, notInTroubleshooting: 0, notFound: 0 });
    expect(byType.items.map((i) => i.commandId).sort()).toEqual([...refunds].sort());
    for (const id of charges) {
      expect((await getCommand(db().pool, { domain, commandId: id }))?.status).toBe(
        'IN_TROUBLESHOOTING_QUEUE',
      );
    }
    await waitFor(async () => (await operator(domain).listTroubleshooting()).total === 5, {
      description: 'the retried refunds back in the troubleshooting queue',
    });
    const all = await operator(domain).retryMany({ filter: {} });
    expect(all.retried).toBe(5);
    for (const id of [...charges, ...refunds]) {
      const retries = (await getAuditTrail(db().pool, { domain, commandId: id })).filter(
        (e) => e.eventType === 'OPERATOR_RETRY',
      );
      expect(retries).toHaveLength(refunds.includes(id) ? 2 : 1);
    }
    expect(await operator('op_bulk_none').retryMany({ filter: {} })).toEqual({
      retried: 0,
      notInTroubleshooting: 0,
      notFound: 0,
      notRetryable: 0,
      items: [],
    });
  });

  it('getCommand returns the command with its whole audit trail and archived payload', async () => {
    const domain = 'op_show';
    const { ids } = await intoTroubleshooting(domain);
    const [commandId] = ids as [string];
    await operator(domain).retry(commandId);
    const details = await operator(domain).getCommand(commandId);
    expect(details.command).toMatchObject({
      commandId,
      status: 'PENDING',
      commandType: 'test.Charge',
    });
    expect(details.auditTrail.map((e) => e.eventType)).toEqual([
      'SENT',
      'RECEIVED',
      'MOVED_TO_TSQ',
      'OPERATOR_RETRY',
    ]);
    expect(details.archivedPayload).toMatchObject({ command_id: commandId, data: { amount: 0 } });
  });

  it('lists commands by status, type, batch and creation time; batches by domain and status; queue figures', async () => {
    const domain = 'op_inspect';
    const { ids, batchId } = await intoTroubleshooting(domain, { count: 2, batch: true });
    const loose = await producer(domain).send(refund, { data: { amount: 5 } });
    const op = operator(domain);

    expect((await op.listCommands()).map((c) => c.commandId).sort()).toEqual(
      [...ids, loose.commandId].sort(),
    );
    expect((await op.listCommands({ status: 'PENDING' })).map((c) => c.commandId)).toEqual([
      loose.commandId,
    ]);
    expect((await op.listCommands({ commandType: 'test.Charge' })).length).toBe(2);
    expect((await op.listCommands({ batchId: batchId ?? '' })).length).toBe(2);
    expect(await op.listCommands({ createdAfter: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await op.listCommands({ createdBefore: new Date(0) })).toEqual([]);
    expect(await op.listCommands({ limit: 1, offset: 1 })).toHaveLength(1);

    const batch = await op.getBatch(batchId ?? '');
    expect(batch.batch).toMatchObject({
      batchId,
      name: 'ops',
      totalCount: 2,
      inTroubleshootingCount: 2,
    });
    expect(batch.auditTrail.map((e) => e.eventType)).toEqual(['BATCH_STARTED']);
    expect((await op.listBatches()).map((b) => b.batchId)).toEqual([batchId]);
    expect(await op.listBatches({ status: 'COMPLETED' })).toEqual([]);

    const figures = await op.queueFigures();
    expect(figures.map((q) => q.queueName)).toEqual([`${domain}__commands`, `${domain}__replies`]);
    expect(figures[0]).toMatchObject({ queueLength: 1 });
  });
});
