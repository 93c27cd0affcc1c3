// The replies a command's sender asked for: sent to the queue it named, that
// queue created again when it is missing, and never more than one per command,
// whoever finishes it and however often its message comes back.
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createQueue, dropQueue, send } from '@commandbus/pgmq';
import { waitFor } from '@commandbus/testing';
import {
  CancelCommandError,
  NotInTroubleshootingError,
  PermanentCommandError,
} from '../src/index.ts';
import { replyEnvelopeSchema, type ReplyEnvelope } from '../src/internals.ts';
import {
  archiveDepth,
  auditTrail,
  commandState,
  queueDepth,
  queueNames,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { doomed, greet, refuse } from './test-commands.ts';

describe('worker and operator replies', () => {
  const db = useBusDatabase();
  const { producer, operator } = rolesOn(db);

  /** Every reply in the queue, oldest first, without taking them off it. */
  async function replies(queue: string): Promise<ReplyEnvelope[]> {
    const rows = await db().pool.anyFirst(
      sql.type(z.object({ message: z.unknown() }))`
        SELECT message FROM ${sql.identifier(['pgmq', `q_${queue}`])} ORDER BY msg_id`,
    );
    return rows.map((row) => replyEnvelopeSchema.parse(row));
  }

  async function queueExists(queue: string): Promise<boolean> {
    return (await queueNames(db())).includes(queue);
  }

  async function intoTroubleshooting(domain: string, replyTo: string | true): Promise<string> {
    const sent = await producer(domain).send(doomed, { data: {}, replyTo });
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(doomed, () => {
        throw new PermanentCommandError('DOOMED', 'cannot be done');
      }),
    );
    await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    await worker.stop();
    return sent.commandId;
  }

  it('the worker creates the domain’s reply queue again when it was dropped before the reply', async () => {
    const domain = 'wr_dropped';
    const replyQueue = `${domain}__replies`;
    const sent = await producer(domain).send(greet, { data: { name: 'Ada' }, replyTo: true });
    expect(await dropQueue(db().pool, { queue: replyQueue })).toBe(true);

    await startWorker(db(), { domain }, (w) =>
      w.register(greet, ({ command }) => ({ greeting: `hello ${command.data.name}` })),
    );
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    expect(await replies(replyQueue)).toEqual([
      expect.objectContaining({
        command_id: sent.commandId,
        outcome: 'SUCCESS',
        data: { greeting: 'hello Ada' },
      }),
    ]);
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('replies to a reply queue of the sender’s own naming, created again when missing, and nowhere else', async () => {
    const domain = 'wr_custom';
    const inbox = 'wr_custom_inbox';
    await createQueue(db().pool, { queue: inbox });
    const greeted = await producer(domain).send(greet, { data: { name: 'Bo' }, replyTo: inbox });
    const refused = await producer(domain).send(refuse, { data: {}, replyTo: inbox });
    expect(await dropQueue(db().pool, { queue: inbox })).toBe(true);

    await startWorker(db(), { domain }, (w) =>
      w
        .register(greet, () => ({ greeting: 'hi' }))
        .register(refuse, () => {
          throw new CancelCommandError('out of stock');
        }),
    );
    await waitForStatus(db(), domain, greeted.commandId, 'COMPLETED');
    await waitForStatus(db(), domain, refused.commandId, 'CANCELED');
    const sorted = (await replies(inbox)).sort((a, b) => a.outcome.localeCompare(b.outcome));
    expect(sorted).toEqual([
      expect.objectContaining({
        command_id: refused.commandId,
        outcome: 'CANCELED',
        error: { type: 'CANCELED', code: 'CANCELED_BY_HANDLER', message: 'out of stock' },
      }),
      expect.objectContaining({ command_id: greeted.commandId, outcome: 'SUCCESS' }),
    ]);
    expect(await queueExists(`${domain}__replies`)).toBe(false);
    expect(await auditTrail(db(), refused.commandId)).toEqual(['SENT', 'RECEIVED', 'CANCELED']);
  });

  it('a reply queue dropped while the worker runs is created again: the commands that wanted it complete with one reply each', async () => {
    const domain = 'wr_dropped_live';
    const replyQueue = `${domain}__replies`;
    const p = producer(domain);
    const first = await p.send(greet, { data: { name: 'Eve' }, replyTo: true });
    // The later handlers finish only once the test has seen the queue gone,
    // so nothing but the worker's own reply can create it again.
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const worker = await startWorker(db(), { domain, visibilityTimeoutSeconds: 1 }, (w) =>
      w
        .register(greet, async ({ command }) => {
          if (command.data.name !== 'Eve') await gate;
          return { greeting: 'hi' };
        })
        .register(refuse, async () => {
          await gate;
          throw new CancelCommandError('not now');
        }),
    );
    await waitForStatus(db(), domain, first.commandId, 'COMPLETED');
    // The worker has used the queue, so it knows it; the producer too.
    await dropQueue(db().pool, { queue: replyQueue });
    const greeted = await p.send(greet, { data: { name: 'Fay' }, replyTo: true });
    const refused = await p.send(refuse, { data: {}, replyTo: true });
    expect(await queueExists(replyQueue)).toBe(false);
    openGate();

    await waitForStatus(db(), domain, greeted.commandId, 'COMPLETED');
    await waitForStatus(db(), domain, refused.commandId, 'CANCELED');
    const sorted = (await replies(replyQueue)).sort((a, b) => a.outcome.localeCompare(b.outcome));
    expect(sorted).toEqual([
      expect.objectContaining({ command_id: refused.commandId, outcome: 'CANCELED' }),
      expect.objectContaining({ command_id: greeted.commandId, outcome: 'SUCCESS' }),
    ]);
    expect((await auditTrail(db(), greeted.commandId)).at(-1)).toBe('COMPLETED');
    expect((await auditTrail(db(), refused.commandId)).at(-1)).toBe('CANCELED');
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    expect(worker.counts.troubleshooting).toBe(0);
  });

  it('the operator creates a dropped reply queue again: complete replies SUCCESS, cancel replies CANCELED, once each', async () => {
    const domain = 'wr_operator';
    const inbox = 'wr_operator_inbox';
    await createQueue(db().pool, { queue: inbox });
    const toComplete = await intoTroubleshooting(domain, true);
    const toCancel = await intoTroubleshooting(domain, inbox);
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
    expect(await queueDepth(db(), inbox)).toBe(0);
    await dropQueue(db().pool, { queue: `${domain}__replies` });
    await dropQueue(db().pool, { queue: inbox });

    const completed = await operator(domain).complete(toComplete, { receipt: 'R-7' });
    const canceled = await operator(domain).cancel(toCancel, 'customer gave up');
    expect(completed).toMatchObject({ status: 'COMPLETED', replyQueue: `${domain}__replies` });
    expect(canceled).toMatchObject({ status: 'CANCELED', replyQueue: inbox });
    expect(await replies(`${domain}__replies`)).toEqual([
      expect.objectContaining({
        command_id: toComplete,
        outcome: 'SUCCESS',
        data: { receipt: 'R-7' },
      }),
    ]);
    expect(await replies(inbox)).toEqual([
      expect.objectContaining({
        command_id: toCancel,
        outcome: 'CANCELED',
        error: { type: 'CANCELED', code: 'CANCELED_BY_OPERATOR', message: 'customer gave up' },
      }),
    ]);
    expect((await auditTrail(db(), toComplete)).at(-1)).toBe('OPERATOR_COMPLETE');
    expect((await auditTrail(db(), toCancel)).at(-1)).toBe('OPERATOR_CANCEL');
  });

  it.each([
    ['writes nothing', false],
    ['writes through its transaction', true],
  ])(
    'a command redelivered while its first delivery still runs (the handler %s) is finished and replied to once',
    async (_, writes) => {
      const domain = writes ? 'wr_twice_tx' : 'wr_twice';
      const sent = await producer(domain).send(greet, { data: { name: 'Cy' }, replyTo: true });
      const attempts: number[] = [];
      // A two-second lease that is not extended: the message comes back while
      // the first delivery is still in its handler, and a second delivery
      // finishes the command before the first one returns.
      const worker = await startWorker(
        db(),
        { domain, visibilityTimeoutSeconds: 2, extendLeases: false, concurrency: 2 },
        (w) =>
          w.register(greet, async ({ attempt, db: tx }) => {
            attempts.push(attempt);
            if (attempt === 1) {
              await waitFor(
                async () =>
                  (await commandState(db(), domain, sent.commandId))?.status === 'COMPLETED' ||
                  undefined,
                { description: 'the second delivery to finish the command' },
              );
            }
            if (writes) await tx.query(sql.unsafe`SELECT 1`);
            return { greeting: `attempt ${attempt}` };
          }),
      );
      await waitFor(() => worker.counts.stale === 1 || undefined, {
        description: 'the first delivery to end',
      });

      expect(attempts).toEqual([1, 2]);
      expect(worker.counts).toMatchObject({ completed: 1, stale: 1, retry: 0 });
      expect(await replies(`${domain}__replies`)).toEqual([
        expect.objectContaining({
          command_id: sent.commandId,
          outcome: 'SUCCESS',
          data: { greeting: 'attempt 2' },
        }),
      ]);
      expect(await auditTrail(db(), sent.commandId)).toEqual([
        'SENT',
        'RECEIVED',
        'RECEIVED',
        'COMPLETED',
      ]);
      expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    },
  );

  it('after the worker replied, operator actions and a stale copy of the message send no second reply', async () => {
    const domain = 'wr_after';
    const queue = `${domain}__commands`;
    const sent = await producer(domain).send(greet, { data: { name: 'Di' }, replyTo: true });
    const body = await db().pool.oneFirst(
      sql.type(z.object({ message: z.unknown() }))`
        SELECT message FROM ${sql.identifier(['pgmq', `q_${queue}`])} WHERE msg_id = ${sent.msgId}`,
    );
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(greet, () => ({ greeting: 'hi' })),
    );
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(1);

    for (const act of [
      () => operator(domain).complete(sent.commandId, { again: true }),
      () => operator(domain).cancel(sent.commandId, 'too late'),
      () => operator(domain).retry(sent.commandId),
    ]) {
      await expect(act()).rejects.toSatisfy(
        (e: unknown) =>
          e instanceof NotInTroubleshootingError &&
          e.code === 'NOT_IN_TROUBLESHOOTING' &&
          e.status === 'COMPLETED',
      );
    }
    await send(db().pool, { queue, message: body });
    await waitFor(() => worker.counts.stale === 1 || undefined, {
      description: 'the copy to be dealt with',
    });

    expect(await replies(`${domain}__replies`)).toEqual([
      expect.objectContaining({ command_id: sent.commandId, outcome: 'SUCCESS' }),
    ]);
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    expect(await queueDepth(db(), queue)).toBe(0);
  });

  it('after the operator replied, a second decision and a stale copy of the message send no second reply', async () => {
    const domain = 'wr_after_op';
    const queue = `${domain}__commands`;
    const commandId = await intoTroubleshooting(domain, true);
    const archived = await db().pool.oneFirst(
      sql.type(z.object({ message: z.unknown() }))`
        SELECT message FROM ${sql.identifier(['pgmq', `a_${queue}`])} ORDER BY msg_id DESC LIMIT 1`,
    );
    expect(await archiveDepth(db(), queue)).toBe(1);

    await operator(domain).cancel(commandId, 'will not be retried');
    await expect(operator(domain).complete(commandId)).rejects.toSatisfy(
      (e: unknown) => e instanceof NotInTroubleshootingError && e.status === 'CANCELED',
    );
    await send(db().pool, { queue, message: archived });
    let runs = 0;
    const worker = await startWorker(db(), { domain }, (w) =>
      w.register(doomed, () => void runs++),
    );
    await waitFor(() => worker.counts.stale === 1 || undefined, {
      description: 'the copy to be dealt with',
    });

    expect(runs).toBe(0);
    expect(await replies(`${domain}__replies`)).toEqual([
      expect.objectContaining({ command_id: commandId, outcome: 'CANCELED' }),
    ]);
    expect(await commandState(db(), domain, commandId)).toEqual({
      status: 'CANCELED',
      attempts: 1,
    });
    expect(await auditTrail(db(), commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'MOVED_TO_TSQ',
      'OPERATOR_CANCEL',
    ]);
    expect(await queueDepth(db(), queue)).toBe(0);
  });
});
