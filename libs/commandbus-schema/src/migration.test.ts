import pg from 'pg';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestDatabase } from '@commandbus/testing';
import { AUDIT_EVENT_TYPES, BATCH_STATUSES, BATCH_TYPES, COMMAND_STATUSES } from './model.ts';
import { readSchemaMigrations } from './sql-dir.ts';
import { schemaSql } from './test-support/migrations.ts';

// The column lists of docs/schema.md, as written there.
const SPEC_COLUMNS = {
  batch: [
    ['domain', 'text', 'NO', null],
    ['batch_id', 'uuid', 'NO', null],
    ['name', 'text', 'YES', null],
    ['custom_data', 'jsonb', 'YES', null],
    ['status', 'text', 'NO', "'PENDING'::text"],
    ['total_count', 'integer', 'NO', '0'],
    ['completed_count', 'integer', 'NO', '0'],
    ['canceled_count', 'integer', 'NO', '0'],
    ['in_troubleshooting_count', 'integer', 'NO', '0'],
    ['created_at', 'timestamp with time zone', 'NO', 'now()'],
    ['started_at', 'timestamp with time zone', 'YES', null],
    ['completed_at', 'timestamp with time zone', 'YES', null],
    ['failed_count', 'integer', 'NO', '0'],
    ['batch_type', 'text', 'NO', "'COMMAND'::text"],
  ],
  command: [
    ['domain', 'text', 'NO', null],
    ['queue_name', 'text', 'NO', null],
    ['msg_id', 'bigint', 'YES', null],
    ['command_id', 'uuid', 'NO', null],
    ['command_type', 'text', 'NO', null],
    ['status', 'text', 'NO', null],
    ['attempts', 'integer', 'NO', '0'],
    ['max_attempts', 'integer', 'NO', null],
    ['lease_expires_at', 'timestamp with time zone', 'YES', null],
    ['last_error_type', 'text', 'YES', null],
    ['last_error_code', 'text', 'YES', null],
    ['last_error_msg', 'text', 'YES', null],
    ['created_at', 'timestamp with time zone', 'NO', 'now()'],
    ['updated_at', 'timestamp with time zone', 'NO', 'now()'],
    ['reply_queue', 'text', 'NO', "''::text"],
    ['correlation_id', 'uuid', 'YES', null],
    ['batch_id', 'uuid', 'YES', null],
  ],
  audit: [
    ['audit_id', 'bigint', 'NO', "nextval('commandbus.audit_audit_id_seq'::regclass)"],
    ['domain', 'text', 'NO', null],
    ['command_id', 'uuid', 'NO', null],
    ['event_type', 'text', 'NO', null],
    ['ts', 'timestamp with time zone', 'NO', 'now()'],
    ['details_json', 'jsonb', 'YES', null],
  ],
  payload_archive: [
    ['domain', 'text', 'NO', null],
    ['command_id', 'uuid', 'NO', null],
    ['payload_json', 'jsonb', 'NO', null],
    ['archived_at', 'timestamp with time zone', 'NO', 'now()'],
  ],
} as const;

const columnRow = z.object({
  column_name: z.string(),
  data_type: z.string(),
  is_nullable: z.string(),
  column_default: z.string().nullable(),
});

describe('the schema migrations (V001 and later)', () => {
  const db = useTestDatabase({ setupSql: schemaSql });

  it('are every V*.sql of the location, in version order', () => {
    expect(readSchemaMigrations().map((m) => m.script)).toEqual([
      'V001__commandbus_schema.sql',
      'V002__business_rule_failures_and_python_interop.sql',
      'V003__process_manager.sql',
      'V004__correlation_and_status_count_indexes.sql',
    ]);
  });

  it('creates the four tables with exactly the columns of docs/schema.md, in order', async () => {
    for (const [table, expected] of Object.entries(SPEC_COLUMNS)) {
      const rows = await db().pool.any(sql.type(columnRow)`
        SELECT column_name, data_type, is_nullable, column_default
          FROM information_schema.columns
         WHERE table_schema = 'commandbus' AND table_name = ${table}
         ORDER BY ordinal_position
      `);
      expect(
        rows.map((r) => [r.column_name, r.data_type, r.is_nullable, r.column_default]),
        table,
      ).toEqual(expected);
    }
  });

  it('creates the primary keys, the batch foreign key and every index of docs/schema.md', async () => {
    const indexes = await db().pool.any(sql.type(z.object({ indexdef: z.string() }))`
      SELECT indexdef FROM pg_indexes WHERE schemaname = 'commandbus' ORDER BY indexname
    `);
    const defs = indexes.map((i) => i.indexdef.replace(/^CREATE (UNIQUE )?INDEX \S+ ON /, '$1'));
    expect(defs.sort()).toEqual(
      [
        'UNIQUE commandbus.audit USING btree (audit_id)',
        'commandbus.audit USING btree (command_id, ts)',
        'UNIQUE commandbus.batch USING btree (domain, batch_id)',
        'commandbus.batch USING btree (domain, status)',
        'commandbus.batch USING btree (domain, created_at DESC)',
        'UNIQUE commandbus.command USING btree (domain, command_id)',
        'commandbus.command USING btree (status, command_type)',
        'commandbus.command USING btree (status, created_at DESC)',
        'commandbus.command USING btree (updated_at)',
        'commandbus.command USING btree (domain, batch_id) WHERE (batch_id IS NOT NULL)',
        'commandbus.command USING btree (correlation_id) WHERE (correlation_id IS NOT NULL)',
        'commandbus.command USING btree (status, domain, updated_at, command_id)',
        'UNIQUE commandbus.payload_archive USING btree (domain, command_id)',
        'UNIQUE commandbus.process USING btree (domain, process_id)',
        'commandbus.process USING btree (domain, process_type)',
        'commandbus.process USING btree (domain, status)',
        'commandbus.process USING btree (created_at)',
        'commandbus.process USING btree (batch_id) WHERE (batch_id IS NOT NULL)',
        'commandbus.process USING btree (batch_id, status) WHERE (batch_id IS NOT NULL)',
        'UNIQUE commandbus.process_audit USING btree (id)',
        'commandbus.process_audit USING btree (domain, process_id)',
        'commandbus.process_audit USING btree (command_id)',
      ].sort(),
    );
    const constraints = await db().pool.any(sql.type(
      z.object({ conrelid: z.string(), def: z.string() }),
    )`
      SELECT conrelid::regclass::text AS conrelid, pg_get_constraintdef(oid) AS def
        FROM pg_constraint
       WHERE connamespace = 'commandbus'::regnamespace AND contype IN ('p', 'f')
       ORDER BY 1, 2
    `);
    expect(constraints).toEqual([
      { conrelid: 'commandbus.audit', def: 'PRIMARY KEY (audit_id)' },
      { conrelid: 'commandbus.batch', def: 'PRIMARY KEY (domain, batch_id)' },
      {
        conrelid: 'commandbus.command',
        def: 'FOREIGN KEY (domain, batch_id) REFERENCES commandbus.batch(domain, batch_id)',
      },
      { conrelid: 'commandbus.payload_archive', def: 'PRIMARY KEY (domain, command_id)' },
      { conrelid: 'commandbus.process', def: 'PRIMARY KEY (domain, process_id)' },
      {
        conrelid: 'commandbus.process_audit',
        def: 'FOREIGN KEY (domain, process_id) REFERENCES commandbus.process(domain, process_id)',
      },
      { conrelid: 'commandbus.process_audit', def: 'PRIMARY KEY (id)' },
    ]);
  });

  it('enforces exactly the status and event-type values of the TypeScript model in named CHECK constraints', async () => {
    const checks = await db().pool.any(sql.type(z.object({ conname: z.string(), def: z.string() }))`
      SELECT conname, pg_get_constraintdef(oid) AS def
        FROM pg_constraint
       WHERE connamespace = 'commandbus'::regnamespace AND contype = 'c'
    `);
    const valuesOf = (name: string) => {
      const def = checks.find((c) => c.conname === name)?.def ?? '';
      return [...def.matchAll(/'([A-Z_]+)'::text/g)].map((m) => m[1]);
    };
    expect(valuesOf('command_status_check')).toEqual([...COMMAND_STATUSES]);
    expect(valuesOf('batch_status_check')).toEqual([...BATCH_STATUSES]);
    expect(valuesOf('audit_event_type_check')).toEqual([...AUDIT_EVENT_TYPES]);
    expect(valuesOf('batch_type_check')).toEqual([...BATCH_TYPES]);
  });

  it('each applies a second time on the same database without error and without duplicating anything', async () => {
    const snapshot = sql.type(z.object({ n: z.number() }))`
      SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'commandbus'::regnamespace)
           + (SELECT count(*) FROM pg_proc WHERE pronamespace = 'commandbus'::regnamespace)
           + (SELECT count(*) FROM pg_constraint WHERE connamespace = 'commandbus'::regnamespace) AS n
    `;
    const before = await db().pool.oneFirst(snapshot);
    const client = new pg.Client(db().url);
    await client.connect();
    try {
      for (const script of schemaSql) await client.query(script);
      // Each file's search_path is transaction-local: the session keeps its own.
      const { rows } = await client.query<{ search_path: string }>('SHOW search_path');
      expect(rows[0]?.search_path).toBe('"$user", public');
    } finally {
      await client.end();
    }
    expect(await db().pool.oneFirst(snapshot)).toBe(before);
  });

  it('stay runnable by real Flyway: no placeholders, no psql meta-commands', () => {
    for (const { script, sql: text } of readSchemaMigrations()) {
      expect(text, script).not.toContain('${');
      expect(text, script).not.toMatch(/^\s*\\/m);
      expect(text.startsWith('-- '), script).toBe(true);
    }
    const [v001] = schemaSql;
    const statements = (v001 ?? '').replace(/--.*$/gm, '').trim();
    expect(statements.startsWith('CREATE EXTENSION IF NOT EXISTS pgmq;')).toBe(true);
  });
});
