// The real V003 (libs/commandbus-schema/sql): the process manager's tables,
// column for column as docs/schema.md gives them, on a fresh database and on
// a V002 database upgraded to it, and run a second time by hand.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { sql, type DatabasePool } from 'slonik';
import { schemaSqlDir } from '@commandbus/commandbus-schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { migrate } from '../src/index.ts';
import { columns, snapshot } from './catalog.ts';
import { fixtureLocation, freshDatabase } from './fixtures.ts';

const V001 = 'V001__commandbus_schema.sql';
const V002 = 'V002__business_rule_failures_and_python_interop.sql';
const V003 = 'V003__process_manager.sql';

/** name | type | nullability | default, as information_schema spells them. */
const PROCESS_COLUMNS = [
  'domain | character varying | NOT NULL |',
  'process_id | uuid | NOT NULL |',
  'process_type | character varying | NOT NULL |',
  "status | character varying | NOT NULL | 'PENDING'::character varying",
  'current_step | character varying | NULL |',
  "state | jsonb | NOT NULL | '{}'::jsonb",
  'error_code | character varying | NULL |',
  'error_message | text | NULL |',
  'created_at | timestamp with time zone | NOT NULL | now()',
  'updated_at | timestamp with time zone | NOT NULL | now()',
  'completed_at | timestamp with time zone | NULL |',
  'batch_id | uuid | NULL |',
];

const PROCESS_AUDIT_COLUMNS = [
  "id | bigint | NOT NULL | nextval('commandbus.process_audit_id_seq'::regclass)",
  'domain | character varying | NOT NULL |',
  'process_id | uuid | NOT NULL |',
  'step_name | character varying | NOT NULL |',
  'command_id | uuid | NOT NULL |',
  'command_type | character varying | NOT NULL |',
  'command_data | jsonb | NULL |',
  'sent_at | timestamp with time zone | NOT NULL |',
  'reply_outcome | character varying | NULL |',
  'reply_data | jsonb | NULL |',
  'received_at | timestamp with time zone | NULL |',
];

/** Index columns (and predicate) of both tables, names left out. */
const PROCESS_INDEXES = [
  'process (batch_id) WHERE (batch_id IS NOT NULL)',
  'process (batch_id, status) WHERE (batch_id IS NOT NULL)',
  'process (created_at)',
  'process (domain, process_id)',
  'process (domain, process_type)',
  'process (domain, status)',
  'process_audit (command_id)',
  'process_audit (domain, process_id)',
  'process_audit (id)',
];

let v003Text = '';
let upToV002 = '';

beforeAll(async () => {
  const read = (script: string) => readFile(path.join(schemaSqlDir, script), 'utf8');
  v003Text = await read(V003);
  upToV002 = await fixtureLocation({ [V001]: await read(V001), [V002]: await read(V002) });
});

async function processIndexes(pool: DatabasePool): Promise<string[]> {
  const defs = await pool.anyFirst(sql.type(z.object({ indexdef: z.string() }))`
    SELECT indexdef FROM pg_indexes
     WHERE schemaname = 'commandbus' AND tablename IN ('process', 'process_audit')`);
  return defs
    .map((def) =>
      def.replace(/^CREATE (UNIQUE )?INDEX \S+ ON commandbus\.(\w+) USING btree /, '$2 '),
    )
    .sort();
}

async function foreignKeys(pool: DatabasePool): Promise<readonly string[]> {
  return pool.anyFirst(sql.type(z.object({ def: z.string() }))`
    SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE conrelid = 'commandbus.process_audit'::regclass AND contype = 'f'`);
}

async function expectProcessTables(pool: DatabasePool): Promise<void> {
  expect(await columns(pool, 'process')).toEqual(PROCESS_COLUMNS);
  expect(await columns(pool, 'process_audit')).toEqual(PROCESS_AUDIT_COLUMNS);
  expect(await processIndexes(pool)).toEqual(PROCESS_INDEXES);
  expect(await foreignKeys(pool)).toEqual([
    'FOREIGN KEY (domain, process_id) REFERENCES commandbus.process(domain, process_id)',
  ]);
}

describe('the real V003 migration', () => {
  it('gives a fresh database the process and process_audit tables of the contract', async () => {
    const db = await freshDatabase();
    const result = await migrate({ url: db.url });
    expect(result.applied.map((applied) => applied.script)).toContain(V003);
    await expectProcessTables(db.pool);
  });

  it('upgrades a V002 database that has commands, and a process row then keeps its audit rows tied to it', async () => {
    const db = await freshDatabase();
    await migrate({ url: db.url, locations: [upToV002] });
    await db.pool.query(sql.unsafe`
      INSERT INTO commandbus.command (domain, queue_name, command_id, command_type, status, max_attempts)
      VALUES ('kept', 'kept__commands', gen_random_uuid(), 'DoThing', 'COMPLETED', 3)`);
    const upgrade = await migrate({ url: db.url });
    expect(upgrade.applied[0]?.script).toBe(V003);
    await expectProcessTables(db.pool);
    expect(
      await db.pool.oneFirst(
        sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM commandbus.command`,
      ),
    ).toBe(1);
    await expect(
      db.pool.query(sql.unsafe`
        INSERT INTO commandbus.process_audit (domain, process_id, step_name, command_id, command_type, sent_at)
        VALUES ('kept', gen_random_uuid(), 'first', gen_random_uuid(), 'DoThing', now())`),
    ).rejects.toThrow(/foreign key/i);
  });

  it('run again by hand, succeeds and changes nothing', async () => {
    const db = await freshDatabase();
    await migrate({ url: db.url });
    const before = await snapshot(db.pool);
    const client = new pg.Client(db.url);
    await client.connect();
    try {
      await client.query(v003Text);
    } finally {
      await client.end();
    }
    expect(await snapshot(db.pool)).toEqual(before);
    await expectProcessTables(db.pool);
  });
});
