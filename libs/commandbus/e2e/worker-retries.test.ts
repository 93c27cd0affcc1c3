// Retries on the database clock: the backoff a failed delivery waits out, the
// per-type overrides, and a message whose deliveries keep dying.
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getCommand } from '@commandbus/commandbus-schema';
import { waitFor } from '@commandbus/testing';
import { defineCommand, TransientCommandError } from '../src/index.ts';
import {
  archiveDepth,
  auditTrail,
  queueDepth,
  rolesOn,
  settled,
  startWorker,
  useBusDatabase,
  waitForStatus,
} from './bus-fixture.ts';
import { busyUntilFailTimes, flaky } from './test-commands.ts';

const picky = defineCommand({
  type: 'test.Picky',
  data: z.object({}),
  maxAttempts: 2,
  backoffSeconds: [1],
});
const hangs = defineCommand({ type: 'test.Hangs', data: z.object({}), maxAttempts: 2 });

const retryGap = z.object({
  retry: z.number(),
  /** Seconds from the FAILED audit row to the vt its transaction set. */
  vt_after_failure: z.number(),
  /** Seconds from the FAILED audit row to the next RECEIVED one (null: not yet). */
  received_after_failure: z.number().nullable(),
  received_after_vt: z.boolean().nullable(),
});

describe('worker retries', () => {
  const db = useBusDatabase();
  const roles = rolesOn(db);

  /**
   * Records, on the database clock, every visibility change of the queue's
   * messages that is not a read: the vt each retry was given. The queue must
   * exist (a send creates it).
   */
  async function recordRetryVisibility(queue: string): Promise<void> {
    const table = sql.identifier(['pgmq', `q_${queue}`]);
    await db().pool.query(sql.unsafe`
      CREATE TABLE IF NOT EXISTS retry_visibility (
        queue_table TEXT       NOT NULL,
        msg_id     BIGINT      NOT NULL,
        vt         TIMESTAMPTZ NOT NULL,
        changed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
      )`);
    await db().pool.query(sql.unsafe`
      CREATE OR REPLACE FUNCTION record_retry_visibility() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        -- A read bumps read_ct; a retry's set_vt does not.
        IF NEW.read_ct = OLD.read_ct AND NEW.vt IS DISTINCT FROM OLD.vt THEN
          INSERT INTO retry_visibility (queue_table, msg_id, vt)
          VALUES (TG_TABLE_NAME, NEW.msg_id, NEW.vt);
        END IF;
        RETURN NULL;
      END $$`);
    await db().pool.query(sql.unsafe`
      CREATE TRIGGER record_retry_visibility AFTER UPDATE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION record_retry_visibility()`);
  }

  /** Each retry of the command: when its message became visible again, and when it came back. */
  async function retryGaps(queue: string, commandId: string) {
    return db().pool.any(sql.type(retryGap)`
      WITH failed AS (
        SELECT ts, row_number() OVER (ORDER BY audit_id) AS n
          FROM commandbus.audit WHERE command_id = ${commandId} AND event_type = 'FAILED'
      ), received AS (
        SELECT ts, row_number() OVER (ORDER BY audit_id) AS n
          FROM commandbus.audit WHERE command_id = ${commandId} AND event_type = 'RECEIVED'
      ), visible AS (
        SELECT vt, row_number() OVER (ORDER BY changed_at) AS n
          FROM retry_visibility WHERE queue_table = ${`q_${queue}`}
      )
      SELECT f.n::int AS retry,
             extract(epoch FROM v.vt - f.ts)::float8 AS vt_after_failure,
             extract(epoch FROM r.ts - f.ts)::float8 AS received_after_failure,
             r.ts >= v.vt AS received_after_vt
        FROM failed AS f
        JOIN visible AS v ON v.n = f.n
        LEFT JOIN received AS r ON r.n = f.n + 1
       ORDER BY f.n`);
  }

  it('makes a transiently failed message visible again after the backoff of its retry, and not before', async () => {
    const domain = 'wr_backoff';
    const queue = `${domain}__commands`;
    const producer = roles.producer(domain);
    const sent = await producer.send(flaky, { data: { failTimes: 2 } });
    await recordRetryVisibility(queue);
    await startWorker(db(), { domain, backoffSeconds: [1, 2] }, (w) =>
      w.register(flaky, busyUntilFailTimes),
    );
    const state = await waitForStatus(db(), domain, sent.commandId, 'COMPLETED', 30_000);
    expect(state.attempts).toBe(3);
    expect(await auditTrail(db(), sent.commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'FAILED',
      'RECEIVED',
      'FAILED',
      'RECEIVED',
      'COMPLETED',
    ]);
    const gaps = await retryGaps(queue, sent.commandId);
    expect(gaps.map((gap) => gap.retry)).toEqual([1, 2]);
    for (const [index, backoff] of [1, 2].entries()) {
      const gap = gaps[index]!;
      // The vt is set in the failure's own transaction: the backoff, plus the
      // moments between that transaction's start and its set_vt.
      expect(gap.vt_after_failure).toBeGreaterThanOrEqual(backoff);
      expect(gap.vt_after_failure).toBeLessThan(backoff + 0.75);
      expect(gap.received_after_vt).toBe(true);
      expect(gap.received_after_failure).toBeGreaterThanOrEqual(backoff);
    }
  });

  it('takes maxAttempts and backoffSeconds from the command type over the worker and producer defaults', async () => {
    const domain = 'wr_override';
    const queue = `${domain}__commands`;
    const producer = roles.producer(domain);
    const sent = await producer.send(picky, { data: {} });
    await recordRetryVisibility(queue);
    // The worker's own backoff would keep the message away for a minute.
    await startWorker(db(), { domain, backoffSeconds: [60] }, (w) =>
      w.register(picky, ({ attempt }) => {
        throw new TransientCommandError('BUSY', `busy on attempt ${attempt}`);
      }),
    );
    const [first] = await waitFor(
      async () => {
        const gaps = await retryGaps(queue, sent.commandId);
        return gaps.length > 0 ? gaps : undefined;
      },
      { timeoutMs: 15_000, description: 'the first retry to be scheduled' },
    );
    expect(first?.vt_after_failure).toBeGreaterThanOrEqual(1);
    expect(first?.vt_after_failure).toBeLessThan(1.75);

    // Two attempts, not the producer's default three.
    const state = await waitForStatus(db(), domain, sent.commandId, 'IN_TROUBLESHOOTING_QUEUE');
    expect(state.attempts).toBe(2);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row).toMatchObject({
      maxAttempts: 2,
      lastErrorType: 'TRANSIENT',
      lastErrorCode: 'BUSY',
    });
    expect(await auditTrail(db(), sent.commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'FAILED',
      'RECEIVED',
      'MOVED_TO_TSQ',
    ]);
    const [gap] = await retryGaps(queue, sent.commandId);
    expect(gap?.received_after_vt).toBe(true);
  });

  it('moves a message whose deliveries keep dying to the troubleshooting queue with MAX_ATTEMPTS_EXCEEDED', async () => {
    const domain = 'wr_dying';
    const queue = `${domain}__commands`;
    const producer = roles.producer(domain);
    const sent = await producer.send(hangs, { data: {} });
    const ran: number[] = [];
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Each delivery hangs past its lease, as if its worker had died; the
    // worker has slots to spare, so it takes the message again itself.
    const worker = await startWorker(
      db(),
      { domain, visibilityTimeoutSeconds: 1, extendLeases: false, concurrency: 4 },
      (w) =>
        w.register(hangs, async ({ attempt, signal }) => {
          ran.push(attempt);
          await Promise.race([
            released,
            new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true })),
          ]);
        }),
    );
    const state = await waitForStatus(
      db(),
      domain,
      sent.commandId,
      'IN_TROUBLESHOOTING_QUEUE',
      30_000,
    );
    // Received a third time with max_attempts 2: moved without running.
    expect(state.attempts).toBe(3);
    expect(ran).toEqual([1, 2]);
    const row = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(row).toMatchObject({
      maxAttempts: 2,
      lastErrorType: 'TRANSIENT',
      lastErrorCode: 'MAX_ATTEMPTS_EXCEEDED',
    });
    expect(row?.lastErrorMsg).toContain('delivered 3 times, max_attempts is 2');
    const moved = await db().pool.one(
      sql.type(z.object({ event_type: z.string(), details_json: z.unknown() }))`
        SELECT event_type, details_json FROM commandbus.audit
         WHERE command_id = ${sent.commandId} ORDER BY audit_id DESC LIMIT 1`,
    );
    expect(moved).toEqual({
      event_type: 'MOVED_TO_TSQ',
      details_json: { msg_id: sent.msgId, attempt: 3, error_code: 'MAX_ATTEMPTS_EXCEEDED' },
    });
    expect(await auditTrail(db(), sent.commandId)).toEqual([
      'SENT',
      'RECEIVED',
      'RECEIVED',
      'RECEIVED',
      'MOVED_TO_TSQ',
    ]);
    const page = await roles.operator(domain).listTroubleshooting();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      command: { commandId: sent.commandId, status: 'IN_TROUBLESHOOTING_QUEUE' },
      lastError: { type: 'TRANSIENT', code: 'MAX_ATTEMPTS_EXCEEDED' },
      payload: { command_id: sent.commandId, command_type: hangs.type },
    });
    expect(await queueDepth(db(), queue)).toBe(0);
    expect(await archiveDepth(db(), queue)).toBe(1);

    // The dead deliveries come back to life: their finishes are refused.
    release();
    await waitFor(() => settled(worker) === 3, { description: 'all three deliveries to settle' });
    expect(worker.counts).toMatchObject({ troubleshooting: 1, stale: 2, completed: 0 });
    expect(await auditTrail(db(), sent.commandId)).toHaveLength(5);
    const after = await getCommand(db().pool, { domain, commandId: sent.commandId });
    expect(after?.status).toBe('IN_TROUBLESHOOTING_QUEUE');
  });
});
