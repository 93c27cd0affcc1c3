// Reading replies with ReplyReader: each outcome parsed by its command type,
// an invalid reply archived rather than lost, a failing callback leaving its
// reply to be read again, and two readers of one queue never sharing a reply.
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { send } from '@commandbus/pgmq';
import { waitFor } from '@commandbus/testing';
import {
  CancelCommandError,
  PermanentCommandError,
  ReplyReader,
  type Reply,
} from '../src/index.ts';
import {
  archiveDepth,
  queueDepth,
  quietLogger,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { doomed, quote, refuse } from './test-commands.ts';

describe('ReplyReader', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);
  const { producer, replyReader: reader } = roles;

  /** Reads until `count` replies were handed over, and returns them in order. */
  async function readAll(domain: string, count: number): Promise<Reply[]> {
    const read: Reply[] = [];
    await waitFor(
      async () => {
        await reader(domain).readOnce([quote, refuse, doomed], (reply) => void read.push(reply));
        return read.length >= count;
      },
      { description: `${count} replies` },
    );
    return read;
  }

  it('hands over SUCCESS with parsed data, CANCELED and FAILED with their error, then deletes them', async () => {
    const domain = 'rr_outcomes';
    const p = producer(domain);
    const priced = await p.send(quote, { data: { item: 'tea' }, replyTo: true });
    const refused = await p.send(refuse, { data: {}, replyTo: true });
    const failed = await p.send(doomed, { data: {}, replyTo: true });
    await startWorker(db(), { domain }, (w) =>
      w
        .register(quote, () => ({ price: 3 }))
        .register(refuse, () => {
          throw new CancelCommandError('sold out');
        })
        .register(doomed, () => {
          throw new PermanentCommandError('DOOMED', 'cannot be done');
        }),
    );
    await waitForStatus(db(), domain, priced.commandId, 'COMPLETED');
    await waitForStatus(db(), domain, refused.commandId, 'CANCELED');
    await waitForStatus(db(), domain, failed.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    // The troubleshooting item's reply is the operator's decision: it fails it for good.
    await roles.operator(domain).cancel(failed.commandId, 'given up');

    const replies = await readAll(domain, 3);
    const byId = new Map(
      replies.map((r) => [r.outcome === 'INVALID' ? String(r.msgId) : r.commandId, r]),
    );
    expect(byId.get(priced.commandId)).toMatchObject({
      outcome: 'SUCCESS',
      commandType: quote.type,
      domain,
      data: { price: 3 },
    });
    expect(byId.get(refused.commandId)).toMatchObject({
      outcome: 'CANCELED',
      error: { type: 'CANCELED', code: 'CANCELED_BY_HANDLER', message: 'sold out' },
    });
    expect(byId.get(failed.commandId)).toMatchObject({
      outcome: 'CANCELED',
      error: { code: 'CANCELED_BY_OPERATOR', message: 'given up' },
    });
    expect(replies).toHaveLength(3);
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
    expect(await archiveDepth(db(), `${domain}__replies`)).toBe(0);
  });

  it('reads a FAILED reply with its error', async () => {
    const domain = 'rr_failed';
    const queue = `${domain}__replies`;
    await producer(domain).setup();
    const commandId = '00000000-0000-4000-8000-00000000000f';
    await send(db().pool, {
      queue,
      message: {
        command_id: commandId,
        correlation_id: null,
        domain,
        command_type: doomed.type,
        outcome: 'FAILED',
        data: null,
        error: { type: 'PERMANENT', code: 'DOOMED', message: 'cannot be done' },
        finished_at: new Date().toISOString(),
      },
    });

    const [reply] = await readAll(domain, 1);
    expect(reply).toMatchObject({
      outcome: 'FAILED',
      commandId,
      error: { type: 'PERMANENT', code: 'DOOMED' },
    });
    expect(await queueDepth(db(), queue)).toBe(0);
  });

  it('reports a reply whose data does not match the reply schema as INVALID and archives it', async () => {
    const domain = 'rr_invalid';
    const queue = `${domain}__replies`;
    await producer(domain).setup();
    const msgId = await send(db().pool, {
      queue,
      message: {
        command_id: '00000000-0000-4000-8000-000000000001',
        correlation_id: null,
        domain,
        command_type: quote.type,
        outcome: 'SUCCESS',
        data: { price: 'free' },
        error: null,
        finished_at: new Date().toISOString(),
      },
    });

    const [reply] = await readAll(domain, 1);
    expect(reply).toMatchObject({ outcome: 'INVALID', msgId });
    expect(reply?.outcome === 'INVALID' && reply.reason).toContain('price');
    expect(await queueDepth(db(), queue)).toBe(0);
    const archived = await db().pool.oneFirst(
      sql.type(z.object({ message: z.unknown() }))`
        SELECT message FROM ${sql.identifier(['pgmq', `a_${queue}`])} WHERE msg_id = ${msgId}`,
    );
    expect(archived).toMatchObject({ data: { price: 'free' } });
  });

  it('leaves a reply whose callback throws in the queue, and hands it over again later', async () => {
    const domain = 'rr_retry';
    const p = producer(domain);
    const sent = await p.send(quote, { data: { item: 'jam' }, replyTo: true });
    await startWorker(db(), { domain }, (w) => w.register(quote, () => ({ price: 5 })));
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');

    const failing = reader(domain, { visibilityTimeoutSeconds: 1 });
    await expect(
      failing.readOnce(quote, () => {
        throw new Error('the caller failed');
      }),
    ).rejects.toThrow('the caller failed');
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(1);

    const again: Reply<typeof quote>[] = [];
    await waitFor(
      async () => {
        await failing.readOnce(quote, (reply) => void again.push(reply));
        return again.length > 0;
      },
      { description: 'the reply to be read again' },
    );
    expect(again).toEqual([
      expect.objectContaining({ commandId: sent.commandId, data: { price: 5 } }),
    ]);
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
  });

  it('two readers of one queue each get a reply once', async () => {
    const domain = 'rr_two';
    const p = producer(domain);
    const ids = (
      await p.sendBatch(
        Array.from({ length: 30 }, (_, i) => ({
          command: quote,
          input: { data: { item: `i${i}` }, replyTo: true as const },
        })),
      )
    ).map((r) => r.commandId);
    await startWorker(db(), { domain }, (w) => w.register(quote, () => ({ price: 1 })));
    await waitFor(async () => (await queueDepth(db(), `${domain}__replies`)) === 30, {
      description: 'every reply',
    });

    const seen: string[][] = [[], []];
    const pools = [db().pool, db().pool];
    await waitFor(
      async () => {
        await Promise.all(
          pools.map((pool, i) =>
            new ReplyReader({ pool, domain, logger: quietLogger }).readOnce(
              quote,
              async (reply) => {
                if (reply.outcome !== 'INVALID') seen[i]?.push(reply.commandId);
              },
            ),
          ),
        );
        return (seen[0]?.length ?? 0) + (seen[1]?.length ?? 0) >= 30;
      },
      { description: 'every reply read' },
    );
    const all = [...(seen[0] ?? []), ...(seen[1] ?? [])];
    expect(all.sort()).toEqual([...ids].sort());
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
  });

  it('deletes a reply in the transaction of the callback’s writes, and keeps both when the callback fails', async () => {
    const domain = 'rr_tx';
    await db().pool.query(
      sql.unsafe`CREATE TABLE IF NOT EXISTS public.rr_prices (id uuid, price int)`,
    );
    const sent = await producer(domain).send(quote, { data: { item: 'oil' }, replyTo: true });
    await startWorker(db(), { domain }, (w) => w.register(quote, () => ({ price: 9 })));
    await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');

    const failing = reader(domain, { visibilityTimeoutSeconds: 1 });
    await expect(
      failing.readOnce(quote, async (reply, { db: tx }) => {
        if (reply.outcome !== 'SUCCESS') return;
        await tx.query(sql.unsafe`INSERT INTO public.rr_prices VALUES (${reply.commandId}, 1)`);
        throw new Error('after the write');
      }),
    ).rejects.toThrow('after the write');
    const prices = () =>
      db().pool.anyFirst(
        sql.type(z.object({ price: z.number() }))`SELECT price FROM public.rr_prices`,
      );
    expect(await prices()).toEqual([]);
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(1);

    await waitFor(
      async () =>
        (await failing.readOnce(quote, async (reply, { db: tx }) => {
          if (reply.outcome !== 'SUCCESS' || reply.data === null) return;
          await tx.query(
            sql.unsafe`INSERT INTO public.rr_prices VALUES (${reply.commandId}, ${reply.data.price})`,
          );
        })) > 0,
      { description: 'the reply to be read again' },
    );
    expect(await prices()).toEqual([9]);
    expect(await queueDepth(db(), `${domain}__replies`)).toBe(0);
  });
});
