// The worker's prefetch buffer: commands received ahead of free handler
// slots keep their leases while they wait, go back untouched at shutdown,
// and a message found invalid after the fused read-and-receive is settled,
// never left IN_PROGRESS.
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { read, send, deleteMessage } from '@commandbus/pgmq';
import { gate, waitFor } from '@commandbus/testing';
import { defineCommand, type Worker } from '../src/index.ts';
import {
  archiveDepth,
  auditTrail,
  commandState,
  queueDepth,
  rolesOn,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';

const job = defineCommand({ type: 'test.Job', data: z.object({ n: z.number() }) });

describe('worker prefetch', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  async function sendJobs(domain: string, count: number): Promise<string[]> {
    const producer = roles.producer(domain);
    const sent = await producer.sendBatch(
      Array.from({ length: count }, (_, n) => ({ command: job, input: { data: { n } } })),
    );
    return sent.map((s) => s.commandId);
  }

  /** Messages still in the queue: their lease end and how often they were read. */
  async function messages(domain: string) {
    return db().pool.any(
      sql.type(z.object({ command_id: z.string(), read_ct: z.number(), visible: z.boolean() }))`
        SELECT message->>'command_id' AS command_id, read_ct,
               vt <= clock_timestamp() AS visible
          FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])} ORDER BY msg_id`,
    );
  }

  /** How far past its RECEIVED audit row each waiting command's lease now ends, in seconds. */
  async function leaseHeadroom(domain: string) {
    return db().pool.any(
      sql.type(z.object({ command_id: z.string(), seconds: z.number() }))`
        SELECT q.message->>'command_id' AS command_id,
               extract(epoch FROM q.vt - a.ts)::float8 AS seconds
          FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])} AS q
          JOIN commandbus.audit AS a
            ON a.command_id = (q.message->>'command_id')::uuid AND a.event_type = 'RECEIVED'`,
    );
  }

  it('keeps the lease of a buffered command until its handler starts, however long the handler ahead of it runs', async () => {
    const domain = 'wp_lease';
    const ids = await sendJobs(domain, 4);
    const first = gate();
    const started: number[] = [];
    const worker = await startWorker(
      db(),
      { domain, concurrency: 1, prefetch: 3, visibilityTimeoutSeconds: 1 },
      (w) =>
        w.register(job, async ({ command, attempt }) => {
          started.push(attempt);
          if (command.data.n === 0) await first.promise;
        }),
    );
    await waitFor(() => started.length === 1, { description: 'the first handler to start' });

    // The three others wait in the buffer behind a handler that outlives
    // their one-second lease several times. A competing reader polls the
    // queue meanwhile: a lapsed lease would hand it a message.
    const stolen: number[] = [];
    await waitFor(
      async () => {
        const taken = await read(db().pool, { queue: `${domain}__commands`, vt: 1, qty: 10 });
        stolen.push(...taken.map((m) => m.msgId));
        const headroom = await leaseHeadroom(domain);
        return (
          headroom.length === 4 &&
          headroom.filter((row) => row.command_id !== ids[0]).every((row) => row.seconds > 3)
        );
      },
      { timeoutMs: 20_000, description: 'buffered leases extended past three leases' },
    );
    expect(stolen).toEqual([]);
    expect(started).toEqual([1]);
    first.open();

    for (const id of ids) await waitForStatus(db(), domain, id, 'COMPLETED');
    expect(started).toEqual([1, 1, 1, 1]);
    for (const id of ids) {
      expect(await commandState(db(), domain, id)).toEqual({ status: 'COMPLETED', attempts: 1 });
      expect(await auditTrail(db(), id)).toEqual(['SENT', 'RECEIVED', 'COMPLETED']);
    }
    expect(worker.counts).toMatchObject({ completed: 4, abandoned: 0, stale: 0 });
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });

  it('hands back commands that never started at shutdown: PENDING, attempts unchanged, message visible at once', async () => {
    const domain = 'wp_shutdown';
    const ids = await sendJobs(domain, 4);
    const first = gate();
    const runs: { n: number; attempt: number }[] = [];
    const register = (w: Worker) =>
      w.register(job, async ({ command, attempt }) => {
        runs.push({ n: command.data.n, attempt });
        if (command.data.n === 0) await first.promise;
      });
    const worker = await startWorker(db(), { domain, concurrency: 1, prefetch: 3 }, register);
    await waitFor(
      async () => {
        const states = await Promise.all(ids.map((id) => commandState(db(), domain, id)));
        return runs.length === 1 && states.every((s) => s?.status === 'IN_PROGRESS');
      },
      { description: 'one command running and three buffered' },
    );

    const stopping = worker.stop();
    // The buffered three go back while the running one may still finish.
    const waiting = ids.slice(1);
    await waitFor(
      async () => {
        const states = await Promise.all(waiting.map((id) => commandState(db(), domain, id)));
        return states.every((s) => s?.status === 'PENDING');
      },
      { description: 'the unstarted commands to be handed back' },
    );
    first.open();
    await stopping;

    expect(runs).toEqual([{ n: 0, attempt: 1 }]);
    expect(worker.counts).toMatchObject({ completed: 1, released: 3, abandoned: 0 });
    expect(await commandState(db(), domain, ids[0] ?? '')).toEqual({
      status: 'COMPLETED',
      attempts: 1,
    });
    for (const id of waiting) {
      expect(await commandState(db(), domain, id)).toEqual({ status: 'PENDING', attempts: 0 });
      expect(await auditTrail(db(), id)).toEqual(['SENT', 'RECEIVED']);
    }
    const left = await messages(domain);
    expect(left.map((m) => m.command_id).sort()).toEqual([...waiting].sort());
    expect(left.every((m) => m.visible)).toBe(true);

    // The next worker runs them as first attempts.
    await startWorker(db(), { domain, concurrency: 4 }, register);
    for (const id of waiting) await waitForStatus(db(), domain, id, 'COMPLETED');
    expect(runs.slice(1).map((r) => r.attempt)).toEqual([1, 1, 1]);
    for (const id of waiting) {
      expect(await commandState(db(), domain, id)).toEqual({ status: 'COMPLETED', attempts: 1 });
      expect(await auditTrail(db(), id)).toEqual(['SENT', 'RECEIVED', 'RECEIVED', 'COMPLETED']);
    }
  });

  it.each([
    {
      flaw: 'is not an envelope',
      rewrite: (envelope: Record<string, unknown>) => ({ command_id: envelope.command_id }),
    },
    {
      flaw: 'names another domain',
      rewrite: (envelope: Record<string, unknown>) => ({ ...envelope, domain: 'elsewhere' }),
    },
  ])(
    'settles a command received by a message that $flaw in the troubleshooting queue, never leaving it IN_PROGRESS',
    async ({ flaw, rewrite }) => {
      const domain = flaw === 'is not an envelope' ? 'wp_invalid_shape' : 'wp_invalid_domain';
      const queue = `${domain}__commands`;
      const [commandId = ''] = await sendJobs(domain, 1);
      // The message is swapped for a flawed one that still names the command,
      // so the fused statement receives the command before the envelope check.
      const [original] = await read(db().pool, { queue, vt: 0, qty: 1 });
      await deleteMessage(db().pool, { queue, msgId: original?.msgId ?? 0 });
      const flawed = rewrite(original?.message as Record<string, unknown>);
      await send(db().pool, { queue, message: flawed });
      const ran: string[] = [];
      const worker = await startWorker(db(), { domain, prefetch: 8 }, (w) =>
        w.register(job, ({ command }) => {
          ran.push(command.commandId);
        }),
      );

      await waitForStatus(db(), domain, commandId, 'IN_TROUBLESHOOTING_QUEUE');
      expect(ran).toEqual([]);
      expect(await commandState(db(), domain, commandId)).toEqual({
        status: 'IN_TROUBLESHOOTING_QUEUE',
        attempts: 1,
      });
      expect(await auditTrail(db(), commandId)).toEqual(['SENT', 'RECEIVED', 'MOVED_TO_TSQ']);
      const row = await db().pool.one(
        sql.type(z.object({ last_error_code: z.string(), payload_json: z.unknown() }))`
          SELECT c.last_error_code, p.payload_json
            FROM commandbus.command AS c
            JOIN commandbus.payload_archive AS p USING (domain, command_id)
           WHERE c.domain = ${domain} AND c.command_id = ${commandId}`,
      );
      expect(row).toEqual({ last_error_code: 'INVALID_MESSAGE', payload_json: flawed });
      expect(await queueDepth(db(), queue)).toBe(0);
      expect(await archiveDepth(db(), queue)).toBe(1);
      await waitFor(() => worker.counts.troubleshooting === 1, {
        description: 'the delivery to be counted',
      });
    },
  );
});
