// Per-file fixture for the library's end-to-end tests: a migrated database,
// quiet loggers, the roles on the test's pool, and workers and extra pools
// that are always stopped after the test.
import { pino } from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { afterEach } from 'vitest';
import { z } from 'zod';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { useTestDatabase, waitFor, type TestDatabase } from '@commandbus/testing';
import {
  openPool,
  Operator,
  Producer,
  ReplyReader,
  Worker,
  type OperatorOptions,
  type Reply,
  type ReplyReaderOptions,
  type WorkerOptions,
} from '../src/index.ts';

/** Every schema migration's SQL, in version order. */
export const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function useBusDatabase(): () => TestDatabase {
  return useTestDatabase({ setupSql: schemaSql, poolSize: 20 });
}

/** Producer, Operator and ReplyReader of a domain on the test's own pool, logging nowhere. */
export function rolesOn(db: () => TestDatabase) {
  return {
    producer: (domain: string) => new Producer({ pool: db().pool, domain, logger: quietLogger }),
    operator: (domain: string, options: Pick<OperatorOptions, 'actor'> = {}) =>
      new Operator({ pool: db().pool, domain, logger: quietLogger, ...options }),
    replyReader: (
      domain: string,
      options: Pick<ReplyReaderOptions, 'batchSize' | 'visibilityTimeoutSeconds'> = {},
    ) => new ReplyReader({ pool: db().pool, domain, logger: quietLogger, ...options }),
    /** The next reply of the domain, read (and deleted) through a ReplyReader. */
    nextReply: async (
      domain: string,
      definitions: Parameters<ReplyReader['readOnce']>[0],
    ): Promise<Reply | undefined> => {
      const reader = new ReplyReader({
        pool: db().pool,
        domain,
        logger: quietLogger,
        batchSize: 1,
      });
      let reply: Reply | undefined;
      await reader.readOnce(definitions, (read) => {
        reply = read;
      });
      return reply;
    },
  };
}

const running: Worker[] = [];
const pools: DatabasePool[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((worker) => worker.stop()));
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
});

/** A pool the test opened itself (its own connections), ended after the test. */
export function endAfterTest(pool: DatabasePool): DatabasePool {
  pools.push(pool);
  return pool;
}

/**
 * A started worker with test-friendly timings, stopped after the test. It
 * runs on a pool of its own from openPool, as in production, so its hot path
 * uses the named prepared statements; the tests' own pool (slonik defaults,
 * DISCARD ALL) sends unnamed, so both forms are exercised.
 */
export async function startWorker(
  db: TestDatabase,
  options: Partial<WorkerOptions> & Pick<WorkerOptions, 'domain'>,
  register: (worker: Worker) => void,
): Promise<Worker> {
  const pool = endAfterTest(await openPool(db.url, { maximumPoolSize: 12 }));
  const worker = new Worker({
    pool,
    logger: quietLogger,
    pollIntervalMs: 100,
    backoffSeconds: [0],
    shutdownGraceMs: 5_000,
    ...options,
  });
  register(worker);
  await worker.start();
  running.push(worker);
  return worker;
}

/** Deliveries the worker has seen to an end, whatever the outcome. */
export function settled(worker: Worker): number {
  return Object.values(worker.counts).reduce((sum, n) => sum + n, 0);
}

const statusRow = z.object({ status: z.string(), attempts: z.number() });

export async function commandState(db: TestDatabase, domain: string, commandId: string) {
  return db.pool.maybeOne(
    sql.type(
      statusRow,
    )`SELECT status, attempts FROM commandbus.command WHERE domain = ${domain} AND command_id = ${commandId}`,
  );
}

export function waitForStatus(
  db: TestDatabase,
  domain: string,
  commandId: string,
  status: string,
  timeoutMs = 15_000,
) {
  return waitFor(
    async () => {
      const state = await commandState(db, domain, commandId);
      return state?.status === status ? state : undefined;
    },
    { timeoutMs, description: `command ${commandId} to be ${status}` },
  );
}

const auditRow = z.object({ event_type: z.string(), details_json: z.unknown() });

export async function auditTrail(db: TestDatabase, commandId: string) {
  const rows = await db.pool.any(
    sql.type(
      auditRow,
    )`SELECT event_type, details_json FROM commandbus.audit WHERE command_id = ${commandId} ORDER BY audit_id`,
  );
  return rows.map((row) => row.event_type);
}

const countRow = z.object({ n: z.number() });

/** How many rows of `commandbus.command` or `commandbus.audit` belong to the domain. */
export async function domainRowCount(
  db: TestDatabase,
  table: 'command' | 'audit',
  domain: string,
): Promise<number> {
  return db.pool.oneFirst(
    sql.type(countRow)`
      SELECT count(*)::int AS n FROM ${sql.identifier(['commandbus', table])} WHERE domain = ${domain}`,
  );
}

/** How often the batch was announced complete in the audit trail (exactly once is right). */
export async function batchCompletedCount(db: TestDatabase, batchId: string): Promise<number> {
  return db.pool.oneFirst(
    sql.type(countRow)`
      SELECT count(*)::int AS n FROM commandbus.audit
       WHERE command_id = ${batchId} AND event_type = 'BATCH_COMPLETED'`,
  );
}

/** The names of every PGMQ queue. */
export async function queueNames(db: TestDatabase): Promise<readonly string[]> {
  return db.pool.anyFirst(
    sql.type(z.object({ queue_name: z.string() }))`SELECT queue_name FROM pgmq.list_queues()`,
  );
}

/** Messages in the PGMQ queue (`q_`) or its archive (`a_`). */
async function pgmqRowCount(db: TestDatabase, table: `${'q' | 'a'}_${string}`): Promise<number> {
  return db.pool.oneFirst(
    sql.type(countRow)`SELECT count(*)::int AS n FROM ${sql.identifier(['pgmq', table])}`,
  );
}

export async function queueDepth(db: TestDatabase, queue: string): Promise<number> {
  return pgmqRowCount(db, `q_${queue}`);
}

export async function archiveDepth(db: TestDatabase, queue: string): Promise<number> {
  return pgmqRowCount(db, `a_${queue}`);
}
