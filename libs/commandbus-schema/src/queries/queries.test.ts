import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { sql, type DatabasePool } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { gate, useTestDatabase, waitFor } from '@commandbus/testing';
import { finishCommand } from '../procedures/finish-command.ts';
import { receiveCommand } from '../procedures/receive-command.ts';
import { tsqRetry } from '../procedures/tsq-retry.ts';
import {
  closeAll,
  lockWaiters,
  seedBatch,
  seedCommands,
  separateConnections,
} from '../test-support/fixtures.ts';
import { schemaSql } from '../test-support/migrations.ts';
import { archivePayloads } from './archive-payloads.ts';
import { getArchivedPayload, getArchivedPayloads } from './get-archived-payload.ts';
import { getAuditTrail } from './get-audit-trail.ts';
import { getBatch } from './get-batch.ts';
import { getCommand } from './get-command.ts';
import { insertAuditEvents } from './insert-audit-events.ts';
import { insertBatch } from './insert-batch.ts';
import { insertCommands } from './insert-commands.ts';
import { listBatches } from './list-batches.ts';
import { listCommands } from './list-commands.ts';
import { lockCommand } from './lock-command.ts';
import { notifyWorkers } from './notify-workers.ts';
import { transitionCommand } from './transition-command.ts';

describe('row-level queries', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('insertCommands inserts PENDING rows in one statement and leaves out the ids that already existed', async () => {
    const domain = 'ins_cmd';
    const [existing] = await seedCommands(db().pool, { domain });
    if (!existing) throw new Error('seed failed');
    const fresh = [randomUUID(), randomUUID()];
    const correlationId = randomUUID();
    const inserted = await insertCommands(
      db().pool,
      [existing, ...fresh].map((commandId) => ({
        domain,
        queueName: `${domain}__commands`,
        commandId,
        commandType: 'Charge',
        maxAttempts: 5,
        replyQueue: `${domain}__replies`,
        correlationId,
      })),
    );
    expect(inserted.sort()).toEqual([...fresh].sort());
    expect(await getCommand(db().pool, { domain, commandId: fresh[0] ?? '' })).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      maxAttempts: 5,
      commandType: 'Charge',
      replyQueue: `${domain}__replies`,
      correlationId,
      batchId: null,
      msgId: null,
    });
    // The same id in another domain is a different command.
    expect(
      await insertCommands(db().pool, [
        {
          domain: 'other',
          queueName: 'other__commands',
          commandId: existing,
          commandType: 'Charge',
          maxAttempts: 1,
        },
      ]),
    ).toEqual([existing]);
    expect(await insertCommands(db().pool, [])).toEqual([]);
  });

  it('insertCommands from concurrent senders of the same ids inserts each id once: one row, reported new to one sender', async () => {
    const domain = 'ins_race';
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const rows = ids.map((commandId) => ({
      domain,
      queueName: 'q',
      commandId,
      commandType: 'T',
      maxAttempts: 1,
    }));
    const pools = await separateConnections(db().url, 4);
    try {
      const results = await Promise.all(pools.map((pool) => insertCommands(pool, rows)));
      expect(results.flat().sort()).toEqual([...ids].sort());
    } finally {
      await closeAll(pools);
    }
    // insertCommands writes rows only (no message, no audit): the rows are what to count.
    const perId = await db().pool.any(sql.type(
      z.object({ commandId: z.string(), rows: z.number() }),
    )`
      SELECT t.id::text AS "commandId",
             (SELECT count(*)::int FROM commandbus.command AS c
               WHERE c.domain = ${domain} AND c.command_id = t.id) AS rows
        FROM unnest(${sql.array(ids, 'uuid')}) WITH ORDINALITY AS t(id, ord)
       ORDER BY t.ord
    `);
    expect(perId).toEqual(ids.map((commandId) => ({ commandId, rows: 1 })));
  });

  it('insertBatch creates a PENDING batch with zero counters; getBatch and listBatches read it back', async () => {
    const domain = 'ins_batch';
    const batchId = randomUUID();
    const row = await insertBatch(db().pool, {
      domain,
      batchId,
      name: 'nightly',
      customData: { source: 'csv' },
      totalCount: 3,
    });
    expect(row).toMatchObject({
      domain,
      batchId,
      name: 'nightly',
      customData: { source: 'csv' },
      status: 'PENDING',
      totalCount: 3,
      completedCount: 0,
      canceledCount: 0,
      inTroubleshootingCount: 0,
      startedAt: null,
      completedAt: null,
    });
    expect(await getBatch(db().pool, { domain, batchId })).toEqual(row);
    expect(await getBatch(db().pool, { domain, batchId: randomUUID() })).toBeNull();
    const second = await insertBatch(db().pool, { domain, batchId: randomUUID(), totalCount: 1 });
    await finishCommand(db().pool, {
      domain,
      commandId: randomUUID(),
      status: 'COMPLETED',
      eventType: 'COMPLETED',
    });
    expect(
      (await listBatches(db().pool, { domain, limit: 10, offset: 0 })).map((b) => b.batchId).sort(),
    ).toEqual([batchId, second.batchId].sort());
    expect(
      await listBatches(db().pool, { domain, status: 'COMPLETED', limit: 10, offset: 0 }),
    ).toEqual([]);
    expect(await listBatches(db().pool, { domain, limit: 1, offset: 1 })).toHaveLength(1);
  });

  it('insertAuditEvents appends all events in one statement, in order, and getAuditTrail returns them oldest first', async () => {
    const domain = 'audit_q';
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    const written = await insertAuditEvents(db().pool, [
      { domain, commandId, eventType: 'SENT', details: { msg_id: 1 } },
      { domain, commandId, eventType: 'OPERATOR_RETRY', details: null },
      { domain: 'elsewhere', commandId, eventType: 'SENT' },
    ]);
    expect(written).toBe(3);
    await receiveCommand(db().pool, { domain, commandId, msgId: 1 });
    const trail = await getAuditTrail(db().pool, { domain, commandId });
    expect(trail.map((e) => [e.eventType, e.details])).toEqual([
      ['SENT', { msg_id: 1 }],
      ['OPERATOR_RETRY', null],
      ['RECEIVED', { msg_id: 1, attempt: 1, max_attempts: 3 }],
    ]);
    expect(trail[0]).toMatchObject({ domain, commandId });
    expect(typeof trail[0]?.auditId).toBe('number');
    expect(trail[0]?.ts).toBeInstanceOf(Date);
    expect(await insertAuditEvents(db().pool, [])).toBe(0);
  });

  it('archivePayloads keeps the latest payload per command; getArchivedPayload(s) read them back', async () => {
    const domain = 'archive_q';
    const [a, b] = [randomUUID(), randomUUID()];
    expect(
      await archivePayloads(db().pool, [
        { domain, commandId: a, payload: { data: { n: 1 } } },
        { domain, commandId: b, payload: 'not an envelope' },
      ]),
    ).toBe(2);
    await archivePayloads(db().pool, [{ domain, commandId: a, payload: { data: { n: 2 } } }]);
    expect(await getArchivedPayload(db().pool, { domain, commandId: a })).toMatchObject({
      domain,
      commandId: a,
      payload: { data: { n: 2 } },
    });
    expect((await getArchivedPayload(db().pool, { domain, commandId: b }))?.payload).toBe(
      'not an envelope',
    );
    expect(await getArchivedPayload(db().pool, { domain, commandId: randomUUID() })).toBeNull();
    const many = await getArchivedPayloads(db().pool, { domain, commandIds: [a, b, randomUUID()] });
    expect(many.map((row) => row.commandId).sort()).toEqual([a, b].sort());
  });

  it('listCommands filters by domain, status, type, batch and creation time, newest first, paged', async () => {
    const domain = 'listing';
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: 3 });
    const loose = await seedCommands(db().pool, { domain, count: 2, commandType: 'Other' });
    await finishCommand(db().pool, {
      domain,
      commandId: commandIds[0] ?? '',
      status: 'COMPLETED',
      eventType: 'COMPLETED',
    });

    const all = await listCommands(db().pool, { domain, limit: 100, offset: 0 });
    expect(all).toHaveLength(5);
    expect(
      all.every(
        (row, i) => i === 0 || (all[i - 1]?.createdAt.getTime() ?? 0) >= row.createdAt.getTime(),
      ),
    ).toBe(true);
    expect(
      (await listCommands(db().pool, { domain, batchId, limit: 100, offset: 0 }))
        .map((r) => r.commandId)
        .sort(),
    ).toEqual([...commandIds].sort());
    expect(
      (await listCommands(db().pool, { domain, commandType: 'Other', limit: 100, offset: 0 }))
        .map((r) => r.commandId)
        .sort(),
    ).toEqual([...loose].sort());
    expect(
      (await listCommands(db().pool, { domain, status: 'COMPLETED', limit: 100, offset: 0 })).map(
        (r) => r.commandId,
      ),
    ).toEqual([commandIds[0]]);
    const pages = [
      ...(await listCommands(db().pool, { domain, limit: 2, offset: 0 })),
      ...(await listCommands(db().pool, { domain, limit: 2, offset: 2 })),
      ...(await listCommands(db().pool, { domain, limit: 2, offset: 4 })),
    ];
    expect(pages.map((r) => r.commandId)).toEqual(all.map((r) => r.commandId));
    const created = all[0]?.createdAt ?? new Date();
    expect(
      await listCommands(db().pool, {
        domain,
        createdAfter: new Date(created.getTime() + 1),
        limit: 100,
        offset: 0,
      }),
    ).toEqual([]);
    expect(
      await listCommands(db().pool, { domain, createdBefore: new Date(0), limit: 100, offset: 0 }),
    ).toEqual([]);
    expect(
      await listCommands(db().pool, {
        domain,
        createdAfter: new Date(0),
        createdBefore: new Date(created.getTime() + 1),
        limit: 100,
        offset: 0,
      }),
    ).toHaveLength(5);
  });

  it('lockCommand makes a second operator wait, and the guarded transition lets exactly one of them act', async () => {
    const domain = 'operator_q';
    const { batchId, commandIds } = await seedBatch(db().pool, { domain, count: 2 });
    const [commandId] = commandIds;
    if (!commandId) throw new Error('seed failed');
    await finishCommand(db().pool, {
      domain,
      commandId,
      status: 'IN_TROUBLESHOOTING_QUEUE',
      eventType: 'MOVED_TO_TROUBLESHOOTING_QUEUE',
    });
    await db().pool.query(
      sql.unsafe`UPDATE commandbus.command SET attempts = 3 WHERE command_id = ${commandId}::uuid`,
    );

    // Two operators retry the same item, each the way the operator API does it;
    // the first holds its lock until the second is seen waiting for it.
    const retry = (pool: DatabasePool, afterLock: () => Promise<void>) =>
      pool.transaction(async (tx) => {
        const row = await lockCommand(tx, { domain, commandId });
        await afterLock();
        if (row?.status !== 'IN_TROUBLESHOOTING_QUEUE') return false;
        await transitionCommand(tx, {
          domain,
          commandId,
          from: 'IN_TROUBLESHOOTING_QUEUE',
          to: 'PENDING',
          resetAttempts: true,
        });
        await insertAuditEvents(tx, [{ domain, commandId, eventType: 'OPERATOR_RETRY' }]);
        await tsqRetry(tx, { domain, batchId: row.batchId });
        return true;
      });
    const [first, second] = await separateConnections(db().url, 2);
    if (!first || !second) throw new Error('no connections');
    try {
      const released = gate();
      const locked = gate();
      const firstRetry = retry(first, async () => {
        locked.open();
        await released.promise;
      });
      await Promise.race([locked.promise, firstRetry]);
      const secondRetry = retry(second, async () => undefined);
      await waitFor(async () => (await lockWaiters(db().pool)) === 1, {
        description: 'the second operator waiting for the lock',
      });
      released.open();
      expect(await Promise.all([firstRetry, secondRetry])).toEqual([true, false]);
    } finally {
      await closeAll([first, second]);
    }
    expect(await getCommand(db().pool, { domain, commandId })).toMatchObject({
      status: 'PENDING',
      attempts: 0,
    });
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      inTroubleshootingCount: 0,
    });
    expect(
      (await getAuditTrail(db().pool, { domain, commandId })).filter(
        (e) => e.eventType === 'OPERATOR_RETRY',
      ),
    ).toHaveLength(1);
  });

  it('lockCommand holds the row until the transaction ends', async () => {
    const domain = 'lock_q';
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    const [holder, other] = await separateConnections(db().url, 2);
    if (!holder || !other) throw new Error('no connections');
    try {
      const released = gate();
      const locked = gate();
      const holding = holder.transaction(async (tx) => {
        expect(await lockCommand(tx, { domain, commandId })).toMatchObject({
          commandId,
          status: 'PENDING',
        });
        locked.open();
        await released.promise;
        await transitionCommand(tx, { domain, commandId, from: 'PENDING', to: 'CANCELED' });
      });
      await locked.promise;
      const waiting = other.transaction((tx) => lockCommand(tx, { domain, commandId }));
      await waitFor(async () => (await lockWaiters(db().pool)) === 1, {
        description: 'second locker waiting',
      });
      released.open();
      await holding;
      expect((await waiting)?.status).toBe('CANCELED');
      expect(await lockCommand(db().pool, { domain, commandId: randomUUID() })).toBeNull();
    } finally {
      await closeAll([holder, other]);
    }
  });

  it('transitionCommand changes nothing when the command no longer has the expected status', async () => {
    const domain = 'transition';
    const [commandId] = await seedCommands(db().pool, { domain });
    if (!commandId) throw new Error('seed failed');
    expect(
      await transitionCommand(db().pool, {
        domain,
        commandId,
        from: 'IN_TROUBLESHOOTING_QUEUE',
        to: 'COMPLETED',
      }),
    ).toBeNull();
    expect((await getCommand(db().pool, { domain, commandId }))?.status).toBe('PENDING');
  });

  it('notifyWorkers wakes a LISTENer on the channel once the transaction commits', async () => {
    const listener = new pg.Client(db().url);
    await listener.connect();
    try {
      const received: string[] = [];
      listener.on('notification', (n) => received.push(n.channel));
      await listener.query('LISTEN commandbus_wakeup');
      await db().pool.transaction(async (tx) => {
        await notifyWorkers(tx, { channel: 'commandbus_wakeup' });
        // A notification already committed reaches the listener before the
        // answer to its next query: after this round trip, none may have come.
        await listener.query('SELECT 1');
        expect(received).toEqual([]);
      });
      await waitFor(() => received.length > 0, { description: 'a notification' });
      expect(received).toEqual(['commandbus_wakeup']);
    } finally {
      await listener.end();
    }
  });
});
