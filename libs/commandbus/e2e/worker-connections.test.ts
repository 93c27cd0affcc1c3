// The worker's connection budget and batched finishes under load: at
// concurrency 32 it never holds more than its six pool connections (the
// LISTEN connection apart), handlers writing through ctx.db still commit
// their writes with their own finish, and the batched finishes of the rest
// record each command once.
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { waitFor } from '@commandbus/testing';
import { defineCommand, openPool, PermanentCommandError, Producer, Worker } from '../src/index.ts';
import { endAfterTest, queueDepth, quietLogger, useBusDatabase } from './bus-fixture.ts';

const job = defineCommand({
  type: 'test.Job',
  data: z.object({ n: z.number(), writes: z.boolean(), fails: z.boolean() }),
});

const APPLICATION = 'wc_budget_worker';
const COMMANDS = 640;

describe('worker connection budget', () => {
  const db = useBusDatabase();

  it('at concurrency 32 holds at most 6 pool connections while handlers write through ctx.db, and every finish commits once', async () => {
    const domain = 'wc_budget';
    const pool = db().pool;
    await pool.query(sql.unsafe`
      CREATE TABLE IF NOT EXISTS budget_marker (command_id UUID PRIMARY KEY, n INT NOT NULL)`);
    const producer = new Producer({ pool, domain, logger: quietLogger });
    // Every third handler writes through ctx.db; one in 32 of those then fails for good.
    const inputs = Array.from({ length: COMMANDS }, (_, n) => ({
      n,
      writes: n % 3 === 0,
      fails: n % 96 === 0,
    }));
    const sent = await producer.sendBatch(
      inputs.map((data) => ({ command: job, input: { data } })),
    );

    // A pool far larger than the budget, named so its connections can be counted.
    const url = new URL(db().url);
    url.searchParams.set('application_name', APPLICATION);
    const workerPool = endAfterTest(await openPool(url.toString(), { maximumPoolSize: 40 }));
    const worker = new Worker({ pool: workerPool, domain, concurrency: 32, logger: quietLogger });
    worker.register(job, async ({ command, db: tx }) => {
      if (!command.data.writes) return;
      await tx.query(
        sql.unsafe`INSERT INTO budget_marker (command_id, n) VALUES (${command.commandId}, ${command.data.n})`,
      );
      // Holds the transaction over a round trip more, as real handlers do.
      await tx.query(sql.unsafe`SELECT pg_sleep(0.002)`);
      if (command.data.fails) throw new PermanentCommandError('DECLINED', 'declined on purpose');
    });

    // The LISTEN connection is opened from the same URL, so it carries the
    // name too; it is told apart by the one statement it ever runs.
    const sampleRow = z.object({ pool: z.number(), listening: z.number() });
    const samples: z.infer<typeof sampleRow>[] = [];
    let draining = true;
    const sampling = (async () => {
      while (draining) {
        samples.push(
          await pool.one(sql.type(sampleRow)`
            SELECT count(*) FILTER (WHERE query NOT LIKE 'LISTEN %')::int AS pool,
                   count(*) FILTER (WHERE query LIKE 'LISTEN %')::int AS listening
              FROM pg_stat_activity
             WHERE datname = current_database() AND application_name = ${APPLICATION}`),
        );
      }
    })();
    await worker.start();
    try {
      await waitFor(() => worker.counts.completed + worker.counts.troubleshooting === COMMANDS, {
        timeoutMs: 60_000,
        description: `${COMMANDS} commands to settle`,
      });
    } finally {
      draining = false;
      await sampling;
      await worker.stop();
    }

    const peak = Math.max(...samples.map((sample) => sample.pool));
    expect(peak).toBeLessThanOrEqual(6);
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(Math.max(...samples.map((sample) => sample.listening))).toBe(1);
    const failing = inputs.filter((i) => i.fails).length;
    expect(worker.counts).toMatchObject({
      completed: COMMANDS - failing,
      troubleshooting: failing,
      stale: 0,
      abandoned: 0,
    });

    const statusRow = z.object({ status: z.string(), n: z.number() });
    const statuses = await pool.any(sql.type(statusRow)`
      SELECT status, count(*)::int AS n FROM commandbus.command WHERE domain = ${domain}
       GROUP BY status ORDER BY status`);
    expect(statuses).toEqual([
      { status: 'COMPLETED', n: COMMANDS - failing },
      { status: 'IN_TROUBLESHOOTING_QUEUE', n: failing },
    ]);
    // One COMPLETED audit row per completed command, whichever way it finished.
    const completedAudits = await pool.any(
      sql.type(z.object({ command_id: z.string(), n: z.number() }))`
        SELECT command_id::text, count(*)::int AS n FROM commandbus.audit
         WHERE domain = ${domain} AND event_type = 'COMPLETED' GROUP BY command_id`,
    );
    expect(completedAudits).toHaveLength(COMMANDS - failing);
    expect(completedAudits.every((row) => row.n === 1)).toBe(true);
    // The writes of the handlers that completed committed; those of the failed ones did not.
    const markers = await pool.anyFirst(
      sql.type(z.object({ n: z.number() }))`SELECT n FROM budget_marker ORDER BY n`,
    );
    expect(markers).toEqual(inputs.filter((i) => i.writes && !i.fails).map((i) => i.n));
    expect(sent).toHaveLength(COMMANDS);
    expect(await queueDepth(db(), `${domain}__commands`)).toBe(0);
  });
});
