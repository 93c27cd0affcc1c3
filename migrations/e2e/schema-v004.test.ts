// The real V004 (libs/commandbus-schema/sql): its two indexes on a fresh
// database, on a V003 database upgraded to it, after indexes built
// concurrently by hand, and in the plans of the reads they are for.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { sql, type DatabasePool } from 'slonik';
import { schemaSqlDir } from '@commandbus/commandbus-schema';
import { useTestDatabase } from '@commandbus/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flywayChecksum, migrate, validate } from '../src/index.ts';
import { snapshot } from './catalog.ts';
import { fixtureLocation, freshDatabase } from './fixtures.ts';
import { recordedMigrations } from './history.ts';

const V001 = 'V001__commandbus_schema.sql';
const V002 = 'V002__business_rule_failures_and_python_interop.sql';
const V003 = 'V003__process_manager.sql';
const V004 = 'V004__correlation_and_status_count_indexes.sql';

/** What V004 creates, as pg_indexes spells it. */
const V004_INDEXES = {
  ix_command_correlation:
    'CREATE INDEX ix_command_correlation ON commandbus.command USING btree (correlation_id) WHERE (correlation_id IS NOT NULL)',
  ix_command_status_domain_updated:
    'CREATE INDEX ix_command_status_domain_updated ON commandbus.command USING btree (status, domain, updated_at, command_id)',
};

/** The by-hand build docs/schema.md describes for a large existing table. */
const CONCURRENT_BUILD = [
  `CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_command_correlation
     ON commandbus.command (correlation_id) WHERE correlation_id IS NOT NULL`,
  `CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_command_status_domain_updated
     ON commandbus.command (status, domain, updated_at, command_id)`,
];

let v001Text = '';
let v002Text = '';
let v003Text = '';
let v004Text = '';
let upToV003 = '';

beforeAll(async () => {
  const read = (script: string) => readFile(path.join(schemaSqlDir, script), 'utf8');
  v001Text = await read(V001);
  v002Text = await read(V002);
  v003Text = await read(V003);
  v004Text = await read(V004);
  upToV003 = await fixtureLocation({ [V001]: v001Text, [V002]: v002Text, [V003]: v003Text });
});

const indexRow = z.object({ name: z.string(), def: z.string(), valid: z.boolean() });

/** V004's indexes present in the database: name → definition, each valid. */
async function v004Indexes(pool: DatabasePool): Promise<Record<string, string>> {
  const rows = await pool.any(sql.type(indexRow)`
    SELECT c.relname::text AS name, pg_get_indexdef(c.oid) AS def, i.indisvalid AS valid
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = 'commandbus.command'::regclass
       AND c.relname = ANY(${sql.array(Object.keys(V004_INDEXES), 'text')})
     ORDER BY 1`);
  return Object.fromEntries(
    rows
      .map((row) => indexRow.parse(row))
      .map((row) => [row.name, row.valid ? row.def : 'INVALID']),
  );
}

async function commandIndexCount(pool: DatabasePool): Promise<number> {
  return pool.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'commandbus.command'::regclass`);
}

async function runByHand(url: string, statements: readonly string[]): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    // One statement per query: CONCURRENTLY refuses a multi-statement string.
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('the real V004 migration on a fresh database', () => {
  const db = useTestDatabase();

  beforeAll(async () => {
    await migrate({ url: db().url });
  });

  it('is applied after V001, V002 and V003, each recorded with its Flyway checksum', async () => {
    expect(await recordedMigrations(db().pool)).toEqual([
      [1, '001', 'commandbus schema', V001, flywayChecksum(v001Text), true],
      [2, '002', 'business rule failures and python interop', V002, flywayChecksum(v002Text), true],
      [3, '003', 'process manager', V003, flywayChecksum(v003Text), true],
      [4, '004', 'correlation and status count indexes', V004, flywayChecksum(v004Text), true],
    ]);
  });

  it('creates the correlation index and the status-domain index, both valid', async () => {
    expect(await v004Indexes(db().pool)).toEqual(V004_INDEXES);
  });

  it('running V004 again by hand succeeds and changes nothing', async () => {
    const before = await snapshot(db().pool);
    const indexCount = await commandIndexCount(db().pool);
    await runByHand(db().url, [v004Text]);
    expect(await snapshot(db().pool)).toEqual(before);
    expect(await commandIndexCount(db().pool)).toBe(indexCount);
  });

  it('a second migrate finds nothing to apply and validates four migrations', async () => {
    expect(await migrate({ url: db().url })).toEqual({
      applied: [],
      upToDate: true,
      currentVersion: '004',
    });
    expect(await validate({ url: db().url })).toEqual({ applied: 4, pending: 0 });
  });
});

describe('a V003 database upgraded to V004', () => {
  it('applies V004 alone, keeps every row and finds them through the new indexes', async () => {
    const db = await freshDatabase();
    await migrate({ url: db.url, locations: [upToV003] });
    expect(await v004Indexes(db.pool)).toEqual({});
    const domain = 'upgraded';
    const correlationId = randomUUID();
    const [correlated, parked] = [randomUUID(), randomUUID()];
    await db.pool.query(sql.unsafe`
      INSERT INTO commandbus.command (domain, queue_name, command_id, command_type, status, max_attempts, correlation_id)
      VALUES (${domain}, 'upgraded__commands', ${correlated}::uuid, 'DoThing', 'COMPLETED', 3, ${correlationId}::uuid),
             (${domain}, 'upgraded__commands', ${parked}::uuid, 'DoThing', 'IN_TROUBLESHOOTING_QUEUE', 3, NULL)`);

    const upgrade = await migrate({ url: db.url });
    expect(upgrade.applied.map((applied) => applied.script)).toEqual([V004]);
    expect(upgrade.currentVersion).toBe('004');
    expect(await validate({ url: db.url })).toEqual({ applied: 4, pending: 0 });
    expect(await v004Indexes(db.pool)).toEqual(V004_INDEXES);

    // Existing rows are in the indexes: read them with the table scan off.
    const found = await db.pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`SET LOCAL enable_seqscan = off`);
      return {
        byCorrelation: await tx.anyFirst(sql.type(z.object({ command_id: z.string() }))`
          SELECT command_id FROM commandbus.command WHERE correlation_id = ${correlationId}::uuid`),
        parked: await tx.anyFirst(sql.type(z.object({ command_id: z.string() }))`
          SELECT command_id FROM commandbus.command
           WHERE status = 'IN_TROUBLESHOOTING_QUEUE' AND domain = ${domain}`),
      };
    });
    expect(found).toEqual({ byCorrelation: [correlated], parked: [parked] });
  });

  it('indexes built concurrently by hand beforehand are kept, and V004 adds none', async () => {
    const db = await freshDatabase();
    await migrate({ url: db.url, locations: [upToV003] });
    await runByHand(db.url, CONCURRENT_BUILD);
    const indexCount = await commandIndexCount(db.pool);
    const builtByHand = await snapshot(db.pool);

    const upgrade = await migrate({ url: db.url });
    expect(upgrade.applied.map((applied) => applied.script)).toEqual([V004]);
    expect(await v004Indexes(db.pool)).toEqual(V004_INDEXES);
    expect(await commandIndexCount(db.pool)).toBe(indexCount);
    expect(await snapshot(db.pool)).toEqual(builtByHand);
  });
});

describe('the reads V004 is for', () => {
  const db = useTestDatabase();
  let correlationId = '';

  beforeAll(async () => {
    await migrate({ url: db().url });
    correlationId = randomUUID();
    // 20,000 commands in two domains, 1 % in the troubleshooting queue, one in
    // three with a correlation id: enough rows that an index beats a table
    // scan in the planner's estimate.
    // VACUUM marks the pages all-visible, which an index-only scan needs; it
    // leaves a page unmarked while the commit of its rows is not yet flushed,
    // and the test server commits asynchronously: this session commits
    // synchronously.
    await runByHand(db().url, [
      'SET synchronous_commit = on',
      `INSERT INTO commandbus.command (domain, queue_name, command_id, command_type, status, max_attempts, correlation_id)
       SELECT d.domain, d.domain || '__commands', gen_random_uuid(), 'DoThing',
              CASE WHEN i % 100 = 0 THEN 'IN_TROUBLESHOOTING_QUEUE' ELSE 'COMPLETED' END, 3,
              CASE WHEN i = 1 AND d.domain = 'alpha' THEN '${correlationId}'::uuid
                   WHEN i % 3 = 0 THEN gen_random_uuid() END
         FROM generate_series(1, 10000) AS i,
              unnest(ARRAY['alpha', 'beta']) AS d(domain)`,
      'VACUUM ANALYZE commandbus.command',
    ]);
  });

  /** The plan PostgreSQL picks for `text` with `values` bound, as EXPLAIN prints it. */
  async function plan(text: string, values: readonly unknown[] = []): Promise<string> {
    const client = new pg.Client(db().url);
    await client.connect();
    try {
      const result = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, [...values]);
      return result.rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await client.end();
    }
  }

  it('a search by correlation id alone, one status at a time, probes ix_command_correlation', async () => {
    const text = await plan(
      `SELECT * FROM commandbus.command AS c
        WHERE c.status = 'COMPLETED' AND c.correlation_id = $1::uuid
        ORDER BY c.created_at DESC, c.command_id DESC
        LIMIT 51`,
      [correlationId],
    );
    expect(text).toMatch(/Index Scan using ix_command_correlation on command/);
  });

  it('counting one status of one domain reads only ix_command_status_domain_updated, with the domain test kept out of the index condition', async () => {
    const text = await plan(
      `SELECT count(*) FROM (
         SELECT 1 FROM commandbus.command AS c
          WHERE c.status = 'IN_TROUBLESHOOTING_QUEUE' AND (c.domain = $1) IS TRUE
          LIMIT 1001) AS bounded`,
      ['alpha'],
    );
    expect(text).toMatch(/Index Only Scan using ix_command_status_domain_updated on command/);
  });

  it('the oldest troubleshooting items of a domain come in index order, without a sort', async () => {
    const text = await plan(
      `SELECT c.command_id FROM commandbus.command AS c
        WHERE c.status = 'IN_TROUBLESHOOTING_QUEUE' AND c.domain = $1
        ORDER BY c.updated_at, c.command_id
        LIMIT 51`,
      ['alpha'],
    );
    expect(text).toMatch(/Index Only Scan using ix_command_status_domain_updated on command/);
    expect(text).not.toMatch(/Sort/);
  });
});
