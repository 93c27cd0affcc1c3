// Per-file fixture of the console's end-to-end tests: a migrated database, a
// real worker of the `shop` domain, and a console with an operator (alice)
// and a viewer (victor) behind basic auth. Everything stops after the file.
import { pino } from 'pino';
import { sql, type DatabasePool } from 'slonik';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import {
  defineCommand,
  openPool,
  PermanentCommandError,
  Producer,
  Worker,
} from '@commandbus/commandbus';
import { readSchemaMigrations } from '@commandbus/commandbus-schema';
import { useTestDatabase, type TestDatabase } from '@commandbus/testing';
import { parseConsoleUsers, serveConsole, type RunningConsole } from '../src/index.ts';

const schemaSql = readSchemaMigrations().map((migration) => migration.sql);

export const DOMAIN = 'shop';
export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
export const OPERATOR = { name: 'alice', password: 'op-secret:with:colons' } as const;
export const VIEWER = { name: 'victor', password: 'view-secret' } as const;

export const shipOrder = defineCommand({
  type: 'shop.ShipOrder',
  data: z.object({ orderId: z.string() }),
  reply: z.object({ shipped: z.boolean() }),
});

/** Fails for good until its order id is healed: a troubleshooting item that a retry can fix. */
export const emailCustomer = defineCommand({
  type: 'shop.EmailCustomer',
  data: z.object({ orderId: z.string(), note: z.string().default('') }),
});

export interface ConsoleFixture {
  readonly db: TestDatabase;
  readonly console: RunningConsole;
  readonly producer: Producer;
  /** Order ids whose email now succeeds. */
  readonly healed: Set<string>;
  basicAuth(user: { name: string; password: string }): string;
}

export function useConsoleFixture(): () => ConsoleFixture {
  const database = useTestDatabase({
    setupSql: schemaSql,
    poolSize: 10,
  });
  let fixture: ConsoleFixture | undefined;
  let worker: Worker | undefined;
  let workerPool: DatabasePool | undefined;
  beforeAll(async () => {
    const db = database();
    const healed = new Set<string>();
    workerPool = await openPool(db.url, { maximumPoolSize: 6 });
    worker = new Worker({
      pool: workerPool,
      domain: DOMAIN,
      logger: quietLogger,
      pollIntervalMs: 100,
      backoffSeconds: [0],
      concurrency: 4,
    });
    worker.register(shipOrder, () => ({ shipped: true }));
    worker.register(emailCustomer, ({ command }) => {
      if (!healed.has(command.data.orderId)) {
        throw new PermanentCommandError(
          'EMAIL_BOUNCED',
          `mailbox of ${command.data.orderId} bounced`,
        );
      }
    });
    const producer = new Producer({ pool: db.pool, domain: DOMAIN, logger: quietLogger });
    await producer.setup();
    await worker.start();
    const running = await serveConsole({
      pool: db.pool,
      port: 0,
      users: parseConsoleUsers(
        `${OPERATOR.name}:${OPERATOR.password}:operator,${VIEWER.name}:${VIEWER.password}:viewer`,
      ),
      logger: quietLogger,
    });
    fixture = {
      db,
      console: running,
      producer,
      healed,
      basicAuth: (user) =>
        `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`,
    };
  });
  afterAll(async () => {
    await fixture?.console.close();
    await worker?.stop();
    await workerPool?.end();
  });
  return () => {
    if (!fixture) throw new Error('the console fixture is only available inside tests');
    return fixture;
  };
}

const countRow = z.object({ n: z.number() });

/** SQL truth the console's figures are compared with. */
export async function countWhere(db: TestDatabase, status: string): Promise<number> {
  return db.pool.oneFirst(sql.type(countRow)`
    SELECT count(*)::int AS n FROM commandbus.command WHERE domain = ${DOMAIN} AND status = ${status}`);
}

export async function statusOf(db: TestDatabase, commandId: string): Promise<string | null> {
  return db.pool.maybeOneFirst(sql.type(z.object({ status: z.string() }))`
    SELECT status FROM commandbus.command WHERE domain = ${DOMAIN} AND command_id = ${commandId}`);
}

const auditRow = z.object({
  event_type: z.string(),
  details_json: z.record(z.string(), z.unknown()).nullable(),
});

export async function auditOf(db: TestDatabase, commandId: string) {
  return db.pool.any(sql.type(auditRow)`
    SELECT event_type, details_json FROM commandbus.audit
     WHERE domain = ${DOMAIN} AND command_id = ${commandId} ORDER BY audit_id`);
}
