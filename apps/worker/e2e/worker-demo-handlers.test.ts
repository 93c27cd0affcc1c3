// The worker CLI with its default handlers (the demo's) as a real process:
// every demo command ends as the producer asked (completed, after retries,
// or in the troubleshooting queue), and SIGTERM then ends it with exit 0.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Producer, type BatchItem } from '@commandbus/commandbus';
import { replyEnvelopeSchema } from '@commandbus/commandbus/internals';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { chargePayment, reserveStock, sendReceipt } from '@commandbus/demo';
import { useCliProcesses, useTestDatabase, waitFor } from '@commandbus/testing';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

const here = path.dirname(fileURLToPath(import.meta.url));
const workerMain = path.resolve(here, '../src/main.ts');

const commandState = z.object({
  command_id: z.string(),
  status: z.string(),
  attempts: z.number(),
  last_error_code: z.string().nullable(),
});

/** The worker's pino line that reports its tally when it stops. */
const stoppedLine = z.object({
  msg: z.literal('worker stopped'),
  counts: z.record(z.string(), z.number()),
});

describe('worker CLI with the demo handlers', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  const cli = useCliProcesses();

  it('works every demo command to its intended end, then exits 0 on SIGTERM with nothing in progress', async () => {
    const domain = 'demo_cli';
    const worker = cli.start(
      workerMain,
      ['--domain', domain, '--concurrency', '4', '--poll-interval-ms', '200'],
      { env: { DATABASE_URL: db().url, LOG_LEVEL: 'info' } },
    );
    await waitFor(() => worker.stdout().includes('"worker started"'), {
      timeoutMs: 30_000,
      description: 'the worker to start',
    });

    // What each command should come to, decided by its data.
    const expected = new Map<string, { status: string; attempts: number; code: string | null }>();
    const items: BatchItem[] = [];
    const plan = (item: BatchItem, status: string, attempts: number, code: string | null) => {
      items.push(item);
      return { status, attempts, code };
    };
    const outcomes = [
      ...Array.from({ length: 6 }, (_, i) =>
        plan(
          {
            command: reserveStock,
            input: { data: { orderId: `order-${i}`, sku: 'sku-1', quantity: 1 }, replyTo: true },
          } as BatchItem,
          'COMPLETED',
          1,
          null,
        ),
      ),
      // The gateway times out failTimes times (3 attempts are allowed); a
      // completed command keeps the last error it met.
      ...Array.from({ length: 6 }, (_, i) =>
        plan(
          {
            command: chargePayment,
            input: { data: { orderId: `order-${i}`, amountCents: 100, failTimes: i % 3 } },
          } as BatchItem,
          'COMPLETED',
          1 + (i % 3),
          i % 3 > 0 ? 'GATEWAY_TIMEOUT' : null,
        ),
      ),
      ...Array.from({ length: 6 }, (_, i) =>
        plan(
          {
            command: sendReceipt,
            input: { data: { orderId: `order-${i}`, email: 'a@example.com', bounce: i < 2 } },
          } as BatchItem,
          i < 2 ? 'IN_TROUBLESHOOTING_QUEUE' : 'COMPLETED',
          1,
          i < 2 ? 'EMAIL_BOUNCED' : null,
        ),
      ),
    ];
    const producer = new Producer({ pool: db().pool, domain, logger: pino({ level: 'silent' }) });
    const sent = await producer.sendBatch(items);
    sent.forEach((result, i) => {
      const outcome = outcomes[i];
      if (outcome) expected.set(result.commandId, outcome);
    });

    const states = () =>
      db().pool.any(sql.type(commandState)`
        SELECT command_id, status, attempts, last_error_code
          FROM commandbus.command WHERE domain = ${domain}`);
    await waitFor(
      async () => {
        const finished = (await states()).filter(
          (row) => row.status === 'COMPLETED' || row.status === 'IN_TROUBLESHOOTING_QUEUE',
        );
        return finished.length === items.length;
      },
      { timeoutMs: 60_000, description: 'every demo command to finish' },
    );

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.stderr()).toBe('');

    const rows = await states();
    expect(
      Object.fromEntries(
        rows.map((row) => [
          row.command_id,
          { status: row.status, attempts: row.attempts, code: row.last_error_code },
        ]),
      ),
    ).toEqual(Object.fromEntries(expected));
    const leftInQueue = await db().pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM ${sql.identifier(['pgmq', `q_${domain}__commands`])}`,
    );
    expect(leftInQueue).toBe(0);

    // Each reservation answered in the reply queue with the handler's result.
    const replies = await db().pool.anyFirst(
      sql.type(z.object({ message: z.unknown() }))`
        SELECT message FROM ${sql.identifier(['pgmq', `q_${domain}__replies`])}`,
    );
    expect(
      replies
        .map((message) => replyEnvelopeSchema.parse(message))
        .map((reply) => `${reply.outcome} ${String(reply.data?.reservationId)}`)
        .sort(),
    ).toEqual(Array.from({ length: 6 }, (_, i) => `SUCCESS res-order-${i}`));

    // The worker's own tally, logged as it stopped, agrees with the rows:
    // no delivery was abandoned or handed back at shutdown, or found stale.
    const stopped = worker
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"worker stopped"'))
      .map((line) => stoppedLine.parse(JSON.parse(line)));
    expect(stopped).toHaveLength(1);
    const counts = stopped[0]?.counts ?? {};
    const tally: Record<string, number> = { completed: 16, retry: 6, troubleshooting: 2 };
    // Every other outcome (canceled, stale, invalid, abandoned, handed back, …) is 0.
    const others = Object.fromEntries(Object.keys(counts).map((outcome) => [outcome, 0]));
    expect(counts).toEqual({ ...others, ...tally });
  });
});
