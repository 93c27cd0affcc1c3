// Seeding and inspection helpers for this lib's tests (real database only).
import { randomUUID } from 'node:crypto';
import { createPool, sql, type CommonQueryMethods, type DatabasePool } from 'slonik';
import { z } from 'zod';
import { insertBatch } from '../queries/insert-batch.ts';
import { insertCommands } from '../queries/insert-commands.ts';
import type { CommandStatus } from '../model.ts';

export interface SeedCommandsOptions {
  readonly domain: string;
  readonly count?: number;
  readonly batchId?: string | null;
  readonly maxAttempts?: number;
  readonly msgId?: number | null;
  readonly commandType?: string;
}

/** Inserts PENDING commands and returns their ids. */
export async function seedCommands(
  db: CommonQueryMethods,
  options: SeedCommandsOptions,
): Promise<string[]> {
  const ids = Array.from({ length: options.count ?? 1 }, () => randomUUID());
  await insertCommands(
    db,
    ids.map((commandId, i) => ({
      domain: options.domain,
      queueName: `${options.domain}__commands`,
      commandId,
      commandType: options.commandType ?? 'DoThing',
      maxAttempts: options.maxAttempts ?? 3,
      batchId: options.batchId ?? null,
      msgId: options.msgId === undefined ? 1000 + i : options.msgId,
    })),
  );
  return ids;
}

/** A batch with `count` PENDING commands in it. */
export async function seedBatch(
  db: CommonQueryMethods,
  options: { readonly domain: string; readonly count: number },
): Promise<{ batchId: string; commandIds: string[] }> {
  const batchId = randomUUID();
  await insertBatch(db, {
    domain: options.domain,
    batchId,
    name: 'seeded',
    totalCount: options.count,
  });
  const commandIds = await seedCommands(db, {
    domain: options.domain,
    count: options.count,
    batchId,
  });
  return { batchId, commandIds };
}

/** Puts a command straight into a status, bypassing the procedures (test setup only). */
export async function forceStatus(
  db: CommonQueryMethods,
  domain: string,
  commandId: string,
  status: CommandStatus,
): Promise<void> {
  await db.query(sql.unsafe`
    UPDATE commandbus.command SET status = ${status} WHERE domain = ${domain} AND command_id = ${commandId}::uuid
  `);
}

export async function countRows(
  db: CommonQueryMethods,
  table: 'command' | 'batch' | 'audit' | 'payload_archive',
): Promise<number> {
  return db.oneFirst(
    sql.type(
      z.object({ n: z.number() }),
    )`SELECT count(*)::int AS n FROM ${sql.identifier(['commandbus', table])}`,
  );
}

export async function auditEvents(
  db: CommonQueryMethods,
  commandId: string,
  eventType?: string,
): Promise<{ event_type: string; details_json: unknown }[]> {
  const filter =
    eventType === undefined ? sql.fragment`TRUE` : sql.fragment`event_type = ${eventType}`;
  const rows = await db.any(sql.type(
    z.object({ event_type: z.string(), details_json: z.unknown() }),
  )`
    SELECT event_type, details_json FROM commandbus.audit
     WHERE command_id = ${commandId}::uuid AND ${filter}
     ORDER BY audit_id
  `);
  return rows.map((row) => ({ event_type: row.event_type, details_json: row.details_json }));
}

/**
 * `n` pools of one connection each: the concurrency tests run their callers on
 * really separate PostgreSQL sessions, never queued behind one another in a pool.
 */
export async function separateConnections(url: string, n: number): Promise<DatabasePool[]> {
  return Promise.all(
    Array.from({ length: n }, () => createPool(url, { maximumPoolSize: 1, minimumPoolSize: 1 })),
  );
}

export async function closeAll(pools: readonly DatabasePool[]): Promise<void> {
  await Promise.all(pools.map((pool) => pool.end()));
}

/** Sessions of this database waiting on a lock (to line callers up behind a held lock). */
export async function lockWaiters(db: CommonQueryMethods): Promise<number> {
  return db.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND wait_event_type = 'Lock'
  `);
}
