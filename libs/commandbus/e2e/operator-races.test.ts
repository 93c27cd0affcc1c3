// The operator's "exactly one effect" claims under real concurrency: separate
// pools (separate connections) acting on the same items at once, with and
// without a worker racing them.
import { sql, createPool } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getBatch, type AuditRow } from '@commandbus/commandbus-schema';
import { waitFor } from '@commandbus/testing';
import {
  NotInTroubleshootingError,
  Operator,
  type CommandStatus,
  type OperatorActionResult,
} from '../src/index.ts';
import {
  batchCompletedCount,
  endAfterTest,
  queueDepth,
  quietLogger,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { charge, declined } from './test-commands.ts';

type Action = 'retry' | 'cancel' | 'complete';
const STATUS_AFTER: Record<Action, CommandStatus> = {
  retry: 'PENDING',
  cancel: 'CANCELED',
  complete: 'COMPLETED',
};

describe('operator under concurrency', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  /** Operators on pools of their own: real concurrent connections. */
  async function operators(count: number, domain: string): Promise<Operator[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const pool = endAfterTest(await createPool(db().url, { maximumPoolSize: 4 }));
        return new Operator({ pool, domain, logger: quietLogger, actor: `op${i}` });
      }),
    );
  }

  async function troubleshootingBatch(domain: string, count: number) {
    const producer = roles.producer(domain);
    const { batchId, commands } = await producer.createBatch({
      name: 'race',
      commands: Array.from({ length: count }, (_, amount) => ({
        command: charge,
        input: { data: { amount } },
      })),
    });
    const ids = commands.map((c) => c.commandId);
    const worker = await startWorker(db(), { domain, concurrency: 10 }, (w) =>
      w.register(charge, declined),
    );
    for (const id of ids) await waitForStatus(db(), domain, id, 'IN_TROUBLESHOOTING_QUEUE');
    await worker.stop();
    return { batchId, ids };
  }

  async function operatorEvents(domain: string): Promise<Map<string, string[]>> {
    const rows = await db().pool.any(
      sql.type(z.object({ command_id: z.string(), event_type: z.string() }))`
        SELECT command_id, event_type FROM commandbus.audit
         WHERE domain = ${domain} AND event_type LIKE 'OPERATOR_%' ORDER BY audit_id`,
    );
    const byCommand = new Map<string, string[]>();
    for (const row of rows)
      byCommand.set(row.command_id, [...(byCommand.get(row.command_id) ?? []), row.event_type]);
    return byCommand;
  }

  function act(
    operator: Operator,
    action: Action,
    domain: string,
    id: string,
  ): Promise<OperatorActionResult> {
    if (action === 'retry') return operator.retry(id);
    if (action === 'cancel') return operator.cancel(id, 'race');
    return operator.complete(id, { by: 'race' });
  }

  it('two operators acting on one item at once: exactly one effect and one NotInTroubleshootingError, 20 rounds', async () => {
    const domain = 'race_two_ops';
    const rounds = 20;
    const { batchId, ids } = await troubleshootingBatch(domain, rounds);
    const [a, b] = (await operators(2, domain)) as [Operator, Operator];
    const pairs: [Action, Action][] = [
      ['retry', 'retry'],
      ['cancel', 'cancel'],
      ['complete', 'complete'],
      ['retry', 'cancel'],
      ['cancel', 'complete'],
      ['complete', 'retry'],
    ];
    const wins: Record<Action, number> = { retry: 0, cancel: 0, complete: 0 };

    for (let round = 0; round < rounds; round++) {
      const id = ids[round] ?? '';
      const [first, second] = pairs[round % pairs.length] as [Action, Action];
      const settled = await Promise.allSettled([
        act(a, first, domain, id),
        act(b, second, domain, id),
      ]);
      const fulfilled = settled.flatMap((s, i) =>
        s.status === 'fulfilled' ? [[i, s.value] as const] : [],
      );
      const rejected = settled.flatMap((s) =>
        s.status === 'rejected' ? [s.reason as unknown] : [],
      );
      expect(fulfilled, `round ${round}`).toHaveLength(1);
      expect(rejected, `round ${round}`).toHaveLength(1);
      const [winnerIndex, result] = fulfilled[0] ?? [0, undefined];
      const winner = winnerIndex === 0 ? first : second;
      wins[winner] += 1;
      expect(result?.status).toBe(STATUS_AFTER[winner]);
      expect(rejected[0]).toBeInstanceOf(NotInTroubleshootingError);
      expect(rejected[0]).toMatchObject({ status: STATUS_AFTER[winner] });
    }

    const events = await operatorEvents(domain);
    for (const id of ids) expect(events.get(id), id).toHaveLength(1);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      totalCount: rounds,
      completedCount: wins.complete,
      canceledCount: wins.cancel,
      inTroubleshootingCount: 0,
    });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(wins.retry);
  });

  it('operators retrying while a worker runs the retried commands: one retry each, all complete, the batch completes once', async () => {
    const domain = 'race_worker_ok';
    const { batchId, ids } = await troubleshootingBatch(domain, 20);
    await startWorker(db(), { domain, concurrency: 10 }, (w) =>
      w.register(charge, () => undefined),
    );
    const [a, b] = (await operators(2, domain)) as [Operator, Operator];

    const settled = await Promise.allSettled(ids.flatMap((id) => [a.retry(id), b.retry(id)]));
    for (let i = 0; i < ids.length; i++) {
      const pair = [settled[2 * i], settled[2 * i + 1]];
      expect(pair.filter((s) => s?.status === 'fulfilled')).toHaveLength(1);
      const loser = pair.find((s) => s?.status === 'rejected');
      const reason = loser?.status === 'rejected' ? (loser.reason as unknown) : undefined;
      expect(reason).toBeInstanceOf(NotInTroubleshootingError);
      expect(['PENDING', 'IN_PROGRESS', 'COMPLETED']).toContain(
        (reason as NotInTroubleshootingError).status,
      );
    }
    for (const id of ids) await waitForStatus(db(), domain, id, 'COMPLETED');
    const batch = await waitFor(
      async () => {
        const row = await getBatch(db().pool, { domain, batchId });
        return row?.status === 'COMPLETED' ? row : undefined;
      },
      { description: 'batch completion' },
    );
    expect(batch).toMatchObject({
      completedCount: 20,
      canceledCount: 0,
      inTroubleshootingCount: 0,
    });
    expect(await batchCompletedCount(db(), batchId)).toBe(1);
    const events = await operatorEvents(domain);
    for (const id of ids) expect(events.get(id)).toEqual(['OPERATOR_RETRY']);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('operators retrying while a worker fails the items straight back: every retry counted once, counters exact', async () => {
    const domain = 'race_worker_fail';
    const { batchId, ids } = await troubleshootingBatch(domain, 10);
    await startWorker(db(), { domain, concurrency: 10 }, (w) => w.register(charge, declined));
    const ops = await operators(3, domain);

    const successes = new Map<string, number>(ids.map((id) => [id, 0]));
    await Promise.all(
      ops.map(async (op) => {
        for (let round = 0; round < 5; round++) {
          const settled = await Promise.allSettled(ids.map((id) => op.retry(id)));
          settled.forEach((s, i) => {
            const id = ids[i] ?? '';
            if (s.status === 'fulfilled') successes.set(id, (successes.get(id) ?? 0) + 1);
            else expect(s.reason).toBeInstanceOf(NotInTroubleshootingError);
          });
        }
      }),
    );
    // Quiescent again: every item failed back into the troubleshooting queue.
    for (const id of ids) await waitForStatus(db(), domain, id, 'IN_TROUBLESHOOTING_QUEUE');

    const trail = await db().pool.any(
      sql.type(z.object({ command_id: z.string(), event_type: z.string() }))`
        SELECT command_id, event_type FROM commandbus.audit WHERE domain = ${domain} ORDER BY audit_id`,
    );
    const countOf = (id: string, type: AuditRow['eventType']) =>
      trail.filter((e) => e.command_id === id && e.event_type === type).length;
    for (const id of ids) {
      const retried = successes.get(id) ?? 0;
      expect(retried, id).toBeGreaterThan(0);
      expect(countOf(id, 'OPERATOR_RETRY'), id).toBe(retried);
      expect(countOf(id, 'MOVED_TO_TSQ'), id).toBe(retried + 1);
    }
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      inTroubleshootingCount: 10,
      completedCount: 0,
      canceledCount: 0,
    });
  });

  it('two bulk retries of the same items at once retry each item exactly once, without deadlock', async () => {
    const domain = 'race_bulk';
    const { batchId, ids } = await troubleshootingBatch(domain, 30);
    const [a, b] = (await operators(2, domain)) as [Operator, Operator];
    const reversed = [...ids].reverse();
    const [byFilter, byIds] = await Promise.all([
      a.retryMany({ filter: {} }),
      b.retryMany({ commandIds: reversed }),
    ]);
    expect(byFilter.retried + byIds.retried).toBe(30);
    expect(byFilter.notInTroubleshooting + byIds.notInTroubleshooting).toBe(30);
    const events = await operatorEvents(domain);
    for (const id of ids) expect(events.get(id)).toEqual(['OPERATOR_RETRY']);
    expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
      inTroubleshootingCount: 0,
    });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(30);
  });
});
