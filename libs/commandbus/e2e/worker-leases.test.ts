// Leases that end before their handler does: a lapsed lease that a newer
// delivery takes over, and a shutdown whose grace period runs out.
import { sql, type CommonQueryMethods } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getBatch } from '@commandbus/commandbus-schema';
import { gate, waitFor } from '@commandbus/testing';
import { defineCommand, type Worker } from '../src/index.ts';
import {
  archiveDepth,
  auditTrail,
  batchCompletedCount,
  commandState,
  queueDepth,
  rolesOn,
  settled,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';

const job = defineCommand({ type: 'test.Job', data: z.object({}) });

/** Rejects once the worker aborts its handlers, so no handler outlives its test. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
  );
}

describe('worker leases', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  /** The table of the handlers' business writes: one row per attempt that wrote. */
  async function createMarkerTable(): Promise<void> {
    await db().pool.query(sql.unsafe`
      CREATE TABLE IF NOT EXISTS lease_marker (
        command_id UUID NOT NULL,
        attempt    INT  NOT NULL,
        PRIMARY KEY (command_id, attempt)
      )`);
  }

  async function writeMarker(tx: CommonQueryMethods, commandId: string, attempt: number) {
    await tx.query(
      sql.unsafe`INSERT INTO lease_marker (command_id, attempt) VALUES (${commandId}, ${attempt})`,
    );
  }

  async function markers(commandId: string): Promise<readonly number[]> {
    return db().pool.anyFirst(
      sql.type(
        z.object({ attempt: z.number() }),
      )`SELECT attempt FROM lease_marker WHERE command_id = ${commandId} ORDER BY attempt`,
    );
  }

  it.each([
    { handlerWrites: true, finish: 'in the handler transaction' },
    { handlerWrites: false, finish: 'in a finishing group' },
  ])(
    'refuses the finish of a delivery whose lapsed lease a newer delivery took over ($finish)',
    async ({ handlerWrites }) => {
      const domain = handlerWrites ? 'wl_takeover_tx' : 'wl_takeover_group';
      await createMarkerTable();
      const producer = roles.producer(domain);
      const { batchId, commands } = await producer.createBatch({
        name: 'one job',
        commands: [{ command: job, input: { data: {} } }],
      });
      const commandId = commands[0]!.commandId;
      const older = gate();
      const ran: number[] = [];
      const register = (w: Worker) =>
        w.register(job, async ({ attempt, db: tx, signal }) => {
          if (handlerWrites) await writeMarker(tx, commandId, attempt);
          ran.push(attempt);
          // The first delivery outlives its lease and only returns once the
          // newer one has completed the command.
          if (attempt === 1) await Promise.race([older.promise, aborted(signal)]);
        });
      // One slot each: the worker running the first delivery cannot read
      // again, so the newer delivery is the other worker's.
      const options = { domain, visibilityTimeoutSeconds: 1, extendLeases: false, concurrency: 1 };
      const first = await startWorker(db(), options, register);
      await waitFor(() => ran.includes(1), { description: 'the first delivery' });
      const second = await startWorker(db(), options, register);

      const state = await waitForStatus(db(), domain, commandId, 'COMPLETED', 30_000);
      expect(state.attempts).toBe(2);
      older.open();
      await waitFor(() => settled(first) === 1, { description: 'the older delivery to settle' });

      expect(ran).toEqual([1, 2]);
      expect(first.counts).toMatchObject({ completed: 0, stale: 1, abandoned: 0 });
      expect(second.counts).toMatchObject({ completed: 1, stale: 0 });
      expect(await commandState(db(), domain, commandId)).toEqual({
        status: 'COMPLETED',
        attempts: 2,
      });
      expect(await auditTrail(db(), commandId)).toEqual([
        'SENT',
        'RECEIVED',
        'RECEIVED',
        'COMPLETED',
      ]);
      // Only the newer delivery's business write committed.
      expect(await markers(commandId)).toEqual(handlerWrites ? [2] : []);
      // Counted once in its batch.
      expect(await getBatch(db().pool, { domain, batchId })).toMatchObject({
        status: 'COMPLETED',
        totalCount: 1,
        completedCount: 1,
      });
      expect(await batchCompletedCount(db(), batchId)).toBe(1);
      expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
      expect(await archiveDepth(db(), `${domain}__commands`)).toBe(0);
    },
  );

  it('aborts a handler that outlives the shutdown grace; its message comes back after the lease and completes once', async () => {
    const domain = 'wl_grace';
    await createMarkerTable();
    const visibilityTimeoutSeconds = 2;
    const producer = roles.producer(domain);
    const sent = await producer.send(job, { data: {} });
    let abortReason: unknown;
    let started = false;
    const first = await startWorker(
      db(),
      { domain, visibilityTimeoutSeconds, shutdownGraceMs: 200 },
      (w) =>
        w.register(job, async ({ attempt, command, db: tx, signal }) => {
          await writeMarker(tx, command.commandId, attempt);
          started = true;
          // Ignores the stop until the worker aborts it.
          await aborted(signal).catch((error: unknown) => {
            abortReason = error;
            throw error;
          });
        }),
    );
    await waitFor(() => started, { description: 'the handler to start' });
    await first.stop();
    expect(abortReason).toBeInstanceOf(Error);
    await waitFor(() => settled(first) === 1, { description: 'the aborted delivery to settle' });
    expect(first.counts).toMatchObject({ abandoned: 1, completed: 0, retry: 0 });

    // Nothing was recorded for the abandoned attempt, its write rolled back,
    // and the message waits out the rest of its lease.
    expect(await commandState(db(), domain, sent.commandId)).toEqual({
      status: 'IN_PROGRESS',
      attempts: 1,
    });
    expect(await auditTrail(db(), sent.commandId)).toEqual(['SENT', 'RECEIVED']);
    expect(await markers(sent.commandId)).toEqual([]);
    const message = await db().pool.one(
      sql.type(z.object({ read_ct: z.number(), within_lease: z.boolean() }))`
        SELECT read_ct,
               vt <= clock_timestamp() + make_interval(secs => ${visibilityTimeoutSeconds}) AS within_lease
          FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])}
         WHERE msg_id = ${sent.msgId ?? 0}`,
    );
    expect(message).toEqual({ read_ct: 1, within_lease: true });

    const second = await startWorker(db(), { domain, visibilityTimeoutSeconds }, (w) =>
      w.register(job, async ({ attempt, command, db: tx }) => {
        await writeMarker(tx, command.commandId, attempt);
      }),
    );
    const state = await waitForStatus(db(), domain, sent.commandId, 'COMPLETED');
    expect(state.attempts).toBe(2);
    await waitFor(() => settled(second) === 1, { description: 'the second delivery to settle' });
    expect(second.counts.completed).toBe(1);
    expect(await auditTrail(db(), sent.commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'RECEIVED',
      'COMPLETED',
    ]);
    expect(await markers(sent.commandId)).toEqual([2]);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });
});
