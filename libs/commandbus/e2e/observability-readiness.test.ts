// A worker's /healthz and /readyz against a PostgreSQL that stops and comes
// back: unready (naming the database and the LISTEN connection) while it is
// down, ready again once the worker reconnected, alive throughout.
import pg from 'pg';
import { sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startRestartableServer, type RestartableServer } from '@commandbus/embedded-postgres';
import { waitFor } from '@commandbus/testing';
import { openPool, Producer, Worker } from '../src/index.ts';
import { quietLogger, schemaSql } from './bus-fixture.ts';
import { ping } from './test-commands.ts';

async function probe(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe('worker health endpoints', () => {
  let server: RestartableServer;
  let pool: DatabasePool;
  let databaseUrl: string;

  beforeAll(async () => {
    server = await startRestartableServer({ disposable: true });
    const admin = new pg.Client(server.url);
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE readiness');
    } finally {
      await admin.end();
    }
    const url = new URL(server.url);
    url.pathname = '/readiness';
    databaseUrl = url.toString();
    const client = new pg.Client(databaseUrl);
    await client.connect();
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS pgmq');
      for (const script of schemaSql) await client.query(script);
    } finally {
      await client.end();
    }
    pool = await openPool(databaseUrl, { maximumPoolSize: 8 });
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await server?.dispose();
  });

  it('/readyz is unready while PostgreSQL is down and ready again once it is back; /healthz answers throughout', async () => {
    const domain = 'obs_ready';
    const worker = new Worker({
      pool,
      domain,
      logger: quietLogger,
      pollIntervalMs: 100,
      metrics: { port: 0, host: '127.0.0.1' },
    });
    worker.register(ping, () => undefined);
    await worker.start();
    try {
      const base = worker.metricsUrl ?? '';
      const ready = await waitFor(
        async () => {
          const answer = await probe(`${base}/readyz`);
          return answer.status === 200 ? answer : undefined;
        },
        { description: 'ready after start' },
      );
      expect(ready.body).toBe('ready\n');

      await server.shutdown('fast');
      const unready = await waitFor(
        async () => {
          const answer = await probe(`${base}/readyz`);
          return answer.status === 503 && answer.body.includes('listen:') ? answer : undefined;
        },
        { timeoutMs: 20_000, description: 'unready with PostgreSQL down' },
      );
      expect(unready.body).toMatch(/^not ready: /);
      expect(unready.body).toContain('database:');
      expect(unready.body).not.toContain('leases:');
      expect((await probe(`${base}/healthz`)).status).toBe(200);

      await server.start();
      await waitFor(async () => (await probe(`${base}/readyz`)).status === 200, {
        timeoutMs: 30_000,
        description: 'ready again with PostgreSQL back',
      });
      // And it works again: a command sent now completes.
      const producer = new Producer({ pool, domain, logger: quietLogger });
      const { commandId } = await producer.send(ping, { data: { n: 1 } });
      await waitFor(
        async () =>
          (await pool.oneFirst(
            sql.type(z.object({ status: z.string() }))`
              SELECT status FROM commandbus.command
               WHERE domain = ${domain} AND command_id = ${commandId}`,
          )) === 'COMPLETED',
        { timeoutMs: 20_000, description: 'a command completed after the restart' },
      );
    } finally {
      await worker.stop();
    }
    await expect(fetch(`${worker.metricsUrl ?? ''}/healthz`)).rejects.toThrow();
  }, 90_000);
});
