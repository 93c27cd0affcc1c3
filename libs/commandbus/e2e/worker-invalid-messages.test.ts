// Messages the worker cannot run as they are: data or a reply that break the
// command type's schema, messages whose command is finished or unknown, and a
// command whose message is in the queue twice.
import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getArchivedPayload, getCommand } from '@commandbus/commandbus-schema';
import { send } from '@commandbus/pgmq';
import { waitFor } from '@commandbus/testing';
import { defineCommand, PermanentCommandError } from '../src/index.ts';
import {
  archiveDepth,
  auditTrail,
  commandState,
  domainRowCount,
  queueDepth,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { quote } from './test-commands.ts';

// Two releases of one command type: the sender still on the old schema, the
// worker already on the new one that needs a currency.
const payV1 = defineCommand({ type: 'test.Pay', data: z.object({ amount: z.number() }) });
const payV2 = defineCommand({
  type: 'test.Pay',
  data: z.object({ amount: z.number(), currency: z.string() }),
});
const note = defineCommand({ type: 'test.Note', data: z.object({ text: z.string() }) });

describe('worker and messages it cannot run as they are', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);
  const { producer } = roles;

  /** The body of a message still in the queue, to send a copy of it. */
  async function messageBody(queue: string, msgId: number | null): Promise<unknown> {
    return db().pool.oneFirst(
      sql.type(z.object({ message: z.unknown() }))`
        SELECT message FROM ${sql.identifier(['pgmq', `q_${queue}`])} WHERE msg_id = ${msgId}`,
    );
  }

  it('data that does not match the handler’s schema is a permanent INVALID_DATA failure: troubleshooting, archived, no handler run, no reply', async () => {
    const domain = 'wi_data';
    const sent = await producer(domain).send(payV1, { data: { amount: 5 }, replyTo: true });
    let runs = 0;
    await startWorker(db(), { domain }, (w) => w.register(payV2, () => void (runs += 1)));

    const state = await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(state.attempts).toBe(1);
    expect(runs).toBe(0);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row).toMatchObject({ lastErrorType: 'PERMANENT', lastErrorCode: 'INVALID_DATA' });
    expect(row?.lastErrorMsg).toContain('test.Pay');
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'MOVED_TO_TSQ']);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    expect(await archiveDepth(db(), `${domain}__commands`)).toBe(1);
    expect(
      (await getArchivedPayload(db().pool, { domain, commandId: sent.commandId }))?.payload,
    ).toMatchObject({ command_id: sent.commandId, data: { amount: 5 } });
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
  });

  it('a reply that does not match the reply schema is a permanent INVALID_REPLY failure, and the handler’s writes roll back', async () => {
    const domain = 'wi_reply';
    await db().pool.query(sql.unsafe`CREATE TABLE wi_reply_effects (command_id uuid PRIMARY KEY)`);
    const sent = await producer(domain).send(quote, { data: { item: 'lamp' }, replyTo: true });
    let runs = 0;
    await startWorker(db(), { domain }, (w) =>
      w.register(quote, async ({ command, db: tx }) => {
        runs += 1;
        await tx.query(sql.unsafe`INSERT INTO wi_reply_effects VALUES (${command.commandId})`);
        // What a handler compiled against an older reply type might return.
        return { price: 'twelve' } as unknown as { price: number };
      }),
    );

    const state = await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(state.attempts).toBe(1);
    expect(runs).toBe(1);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row).toMatchObject({ lastErrorType: 'PERMANENT', lastErrorCode: 'INVALID_REPLY' });
    expect(row?.lastErrorMsg).toContain('test.Quote');
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'MOVED_TO_TSQ']);
    const effects = await db().pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM wi_reply_effects`,
    );
    expect(effects).toBe(0);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
    expect(await archiveDepth(db(), `${domain}__commands`)).toBe(1);
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
  });

  it('deletes a stale message whose command is completed, in troubleshooting, or unknown, and changes none of them', async () => {
    const domain = 'wi_stale';
    const queue = `${domain}__commands`;
    const done = await producer(domain).send(note, { data: { text: 'done' } });
    const stuck = await producer(domain).send(note, { data: { text: 'stuck' } });
    const bodies = {
      done: await messageBody(queue, done.msgId),
      stuck: await messageBody(queue, stuck.msgId),
    };
    const handled: string[] = [];
    const first = await startWorker(db(), { domain }, (w) =>
      w.register(note, ({ command }) => {
        handled.push(command.commandId);
        if (command.data.text === 'stuck') throw new PermanentCommandError('STUCK', 'stuck');
      }),
    );
    await waitForStatus(db(), domain, done.commandId, 'COMPLETED');
    await waitForStatus(db(), domain, stuck.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    await first.stop();
    expect(handled.sort()).toEqual([done.commandId, stuck.commandId].sort());
    const archivedBefore = await archiveDepth(db(), queue);
    const auditBefore = await domainRowCount(db(), 'audit', domain);
    const rowsBefore = await Promise.all(
      [done, stuck].map((s) => getCommand(db().pool, { domain, commandId: s.commandId })),
    );

    // Copies of finished commands' messages, and a well-formed message for a command nobody sent.
    const unknownId = randomUUID();
    await send(db().pool, { queue, message: bodies.done });
    await send(db().pool, { queue, message: bodies.stuck });
    await send(db().pool, {
      queue,
      message: { ...(bodies.done as object), command_id: unknownId },
    });
    handled.length = 0;
    const second = await startWorker(db(), { domain }, (w) =>
      w.register(note, ({ command }) => void handled.push(command.commandId)),
    );
    await waitFor(() => second.counts.stale === 3 || undefined, {
      description: 'three stale messages',
    });

    expect(second.counts).toMatchObject({ stale: 3, completed: 0, invalid: 0, troubleshooting: 0 });
    expect(handled).toEqual([]);
    expect(await queueDepth(db(), queue)).toBe(0);
    // Deleted, not archived: the archive is where messages that went wrong are kept.
    expect(await archiveDepth(db(), queue)).toBe(archivedBefore);
    expect(await domainRowCount(db(), 'audit', domain)).toBe(auditBefore);
    expect(
      await Promise.all(
        [done, stuck].map((s) => getCommand(db().pool, { domain, commandId: s.commandId })),
      ),
    ).toEqual(rowsBefore);
    expect(await commandState(db(), domain, unknownId)).toBeNull();
  });

  it('a command whose message is in the queue twice and read in one go is completed once, with one reply', async () => {
    const domain = 'wi_twice';
    const queue = `${domain}__commands`;
    const sent = await producer(domain).send(note, { data: { text: 'twice' }, replyTo: true });
    await send(db().pool, { queue, message: await messageBody(queue, sent.msgId) });
    expect(await queueDepth(db(), queue)).toBe(2);
    let runs = 0;
    const worker = await startWorker(db(), { domain, concurrency: 4 }, (w) =>
      w.register(note, async () => {
        runs += 1;
        // The handler holds on until the worker has dealt with the other copy:
        // deleted it, or received the command a second time.
        await waitFor(
          async () =>
            (await queueDepth(db(), queue)) === 1 ||
            (await auditTrail(db(), sent.commandId)).filter((e) => e === 'RECEIVED').length > 1 ||
            undefined,
          { description: 'the second copy to be dealt with' },
        );
      }),
    );

    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    await waitFor(async () => (await queueDepth(db(), queue)) === 0 || undefined, {
      description: 'both messages gone',
    });
    expect(runs).toBe(1);
    expect(worker.counts).toMatchObject({ completed: 1, stale: 1 });
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    expect(await commandState(db(), domain, sent.commandId)).toEqual({
      status: 'COMPLETED',
      attempts: 1,
    });
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(1);
  });

  it('a command the operator retries after INVALID_DATA completes once a worker knows its schema', async () => {
    const domain = 'wi_data_fix';
    const sent = await producer(domain).send(payV1, { data: { amount: 5 } });
    const strict = await startWorker(db(), { domain }, (w) => w.register(payV2, () => undefined));
    await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    await strict.stop();

    await roles.operator(domain).retry(sent.commandId);
    await startWorker(db(), { domain }, (w) => w.register(payV1, () => undefined));
    const state = await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    expect(state.attempts).toBe(1);
    expect(await auditTrail(db(), sent.commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'MOVED_TO_TSQ',
      'OPERATOR_RETRY',
      'RECEIVED',
      'COMPLETED',
    ]);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });
});
