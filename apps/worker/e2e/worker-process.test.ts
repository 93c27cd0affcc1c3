// The worker as a real process: killed mid-handler it loses nothing; asked to
// stop it finishes what it started and exits 0.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Producer, Worker } from '@commandbus/commandbus';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { useCliProcesses, useTestDatabase, waitFor } from '@commandbus/testing';
import { register, sleep } from './fixtures/sleepy-handlers.ts';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

const here = path.dirname(fileURLToPath(import.meta.url));
const workerMain = path.resolve(here, '../src/main.ts');
const handlersModule = path.resolve(here, 'fixtures/sleepy-handlers.ts');
const silent = pino({ level: 'silent' });

const stateRow = z.object({ status: z.string(), attempts: z.number() });

describe('worker process', () => {
  const db = useTestDatabase({ setupSql: schemaSql });
  const cli = useCliProcesses();

  /** The worker CLI on the sleepy handlers; `output()` is stdout and stderr together. */
  function startWorkerProcess(url: string, domain: string, extraArgs: string[] = []) {
    const worker = cli.start(
      workerMain,
      ['--domain', domain, '--handlers', handlersModule, '--poll-interval-ms', '200', ...extraArgs],
      { env: { DATABASE_URL: url, LOG_LEVEL: 'info' } },
    );
    return { ...worker, output: () => worker.stdout() + worker.stderr() };
  }

  const state = (domain: string, commandId: string) =>
    db().pool.maybeOne(
      sql.type(
        stateRow,
      )`SELECT status, attempts FROM commandbus.command WHERE domain = ${domain} AND command_id = ${commandId}`,
    );

  it('killed with SIGKILL mid-handler, loses nothing: the command is received again after its lease and completes once', async () => {
    const domain = 'proc_kill';
    const producer = new Producer({ pool: db().pool, domain, logger: silent });
    const { commandId } = await producer.send(sleep, { data: { firstAttemptMs: 60_000 } });
    const victim = startWorkerProcess(db().url, domain, ['--vt', '1']);
    await waitFor(() => victim.output().includes(`HANDLER_STARTED ${commandId} 1`), {
      timeoutMs: 20_000,
      description: 'the first attempt to start',
    });
    victim.child.kill('SIGKILL');
    await victim.exited;
    expect((await state(domain, commandId))?.status).toBe('IN_PROGRESS');

    const successor = new Worker({
      pool: db().pool,
      domain,
      logger: silent,
      pollIntervalMs: 200,
    });
    register(successor);
    await successor.start();
    try {
      const finished = await waitFor(
        async () => {
          const row = await state(domain, commandId);
          return row?.status === 'COMPLETED' ? row : undefined;
        },
        { timeoutMs: 20_000, description: 'completion by the successor' },
      );
      expect(finished.attempts).toBe(2);
      const completions = await db().pool.oneFirst(
        sql.type(
          z.object({ n: z.number() }),
        )`SELECT count(*)::int AS n FROM commandbus.audit WHERE command_id = ${commandId} AND event_type = 'COMPLETED'`,
      );
      expect(completions).toBe(1);
    } finally {
      await successor.stop();
    }
  });

  it('on SIGTERM lets the in-flight handler finish, then exits 0', async () => {
    const domain = 'proc_term';
    const producer = new Producer({ pool: db().pool, domain, logger: silent });
    const { commandId } = await producer.send(sleep, { data: { firstAttemptMs: 1_500 } });
    const worker = startWorkerProcess(db().url, domain);
    await waitFor(() => worker.output().includes(`HANDLER_STARTED ${commandId} 1`), {
      timeoutMs: 20_000,
      description: 'the handler to start',
    });
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(await state(domain, commandId)).toEqual({ status: 'COMPLETED', attempts: 1 });
  });

  it('exits 1 with one line and no password when the database cannot be reached', async () => {
    const worker = startWorkerProcess(
      'postgres://someone:s3cret-pw@127.0.0.1:1/nowhere',
      'proc_nodb',
    );
    expect((await worker.exited).code).toBe(1);
    const lines = worker.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^worker: cannot connect to postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    );
    expect(worker.output()).not.toContain('s3cret-pw');
  });
});
