// `npm run worker -- --metrics-port N` as a real process: its /metrics counts
// what the database says it did, /healthz and /readyz answer, and a bad port
// is a usage error.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Producer } from '@commandbus/commandbus';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { useCliProcesses, useTestDatabase, waitFor } from '@commandbus/testing';
import { sleep } from './fixtures/sleepy-handlers.ts';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

const here = path.dirname(fileURLToPath(import.meta.url));
const workerMain = path.resolve(here, '../src/main.ts');
const handlersModule = path.resolve(here, 'fixtures/sleepy-handlers.ts');
const silent = pino({ level: 'silent' });

/** The value of one sample line of Prometheus's text format; 0 when absent. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) sum += Number(match[3]);
  }
  return sum;
}

describe('worker process metrics endpoint', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  const cli = useCliProcesses();

  it('--metrics-port serves /metrics whose counters match the database, and /healthz and /readyz answer 200', async () => {
    const domain = 'proc_metrics';
    const producer = new Producer({ pool: db().pool, domain, logger: silent });
    const sent = await producer.sendBatch(
      Array.from({ length: 4 }, () => ({ command: sleep, input: { data: { firstAttemptMs: 0 } } })),
    );
    const worker = cli.start(
      workerMain,
      [
        '--domain',
        domain,
        '--handlers',
        handlersModule,
        '--poll-interval-ms',
        '200',
        '--metrics-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
      ],
      { env: { DATABASE_URL: db().url, LOG_LEVEL: 'info' } },
    );
    const base = await waitFor(
      () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(worker.stdout())?.[1],
      { timeoutMs: 20_000, description: 'the worker to log its metrics URL' },
    );
    const completedInDb = () =>
      db().pool.oneFirst(
        sql.type(z.object({ n: z.number() }))`
          SELECT count(*)::int AS n FROM commandbus.command
           WHERE domain = ${domain} AND status = 'COMPLETED'`,
      );
    await waitFor(async () => (await completedInDb()) === sent.length, {
      timeoutMs: 20_000,
      description: 'every command completed',
    });
    const text = await waitFor(
      async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        const completed = sampleValue(body, 'commandbus_deliveries_finished_total', {
          domain,
          outcome: 'completed',
        });
        return completed === sent.length ? body : undefined;
      },
      { description: 'the completions counted' },
    );
    expect(sampleValue(text, 'commandbus_commands_received_total', { domain })).toBe(
      await db().pool.oneFirst(
        sql.type(z.object({ n: z.number() }))`
          SELECT count(*)::int AS n FROM commandbus.audit
           WHERE domain = ${domain} AND event_type = 'RECEIVED'`,
      ),
    );
    expect(sampleValue(text, 'commandbus_handler_slots', { domain })).toBe(10);
    expect(sampleValue(text, 'commandbus_commands_in_progress', { domain })).toBe(0);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('a --metrics-port that is not a port is a usage error (exit 2)', async () => {
    const worker = cli.start(workerMain, ['--metrics-port', '70000'], {
      env: { DATABASE_URL: db().url },
    });
    expect((await worker.exited).code).toBe(2);
    expect(worker.stderr()).toContain('--metrics-port');
  });
});
