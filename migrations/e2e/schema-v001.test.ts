// The real V001 (libs/commandbus-schema/sql) applied by the migrator on its
// own, as a database migrated before V002 has it, and the resulting catalog
// compared with the contract in docs/schema.md.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { schemaSqlDir } from '@commandbus/commandbus-schema';
import { useTestDatabase } from '@commandbus/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { flywayChecksum, migrate, type MigrateResult } from '../src/index.ts';
import { columns, constraints, indexes, procedures, snapshot } from './catalog.ts';
import { fixtureLocation, freshDatabase } from './fixtures.ts';
import { historyRows } from './history.ts';

const V001 = 'V001__commandbus_schema.sql';
const V002 = 'V002__business_rule_failures_and_python_interop.sql';
const V003 = 'V003__process_manager.sql';
const V004 = 'V004__correlation_and_status_count_indexes.sql';

// docs/schema.md, transcribed: `column | type | null | default` as
// information_schema spells them (INT = integer, TIMESTAMPTZ = timestamp with time zone).
const TSTZ = 'timestamp with time zone';
const expectedColumns = {
  batch: [
    'domain | text | NOT NULL |',
    'batch_id | uuid | NOT NULL |',
    'name | text | NULL |',
    'custom_data | jsonb | NULL |',
    "status | text | NOT NULL | 'PENDING'::text",
    'total_count | integer | NOT NULL | 0',
    'completed_count | integer | NOT NULL | 0',
    'canceled_count | integer | NOT NULL | 0',
    'in_troubleshooting_count | integer | NOT NULL | 0',
    `created_at | ${TSTZ} | NOT NULL | now()`,
    `started_at | ${TSTZ} | NULL |`,
    `completed_at | ${TSTZ} | NULL |`,
  ],
  command: [
    'domain | text | NOT NULL |',
    'queue_name | text | NOT NULL |',
    'msg_id | bigint | NULL |',
    'command_id | uuid | NOT NULL |',
    'command_type | text | NOT NULL |',
    'status | text | NOT NULL |',
    'attempts | integer | NOT NULL | 0',
    'max_attempts | integer | NOT NULL |',
    `lease_expires_at | ${TSTZ} | NULL |`,
    'last_error_type | text | NULL |',
    'last_error_code | text | NULL |',
    'last_error_msg | text | NULL |',
    `created_at | ${TSTZ} | NOT NULL | now()`,
    `updated_at | ${TSTZ} | NOT NULL | now()`,
    "reply_queue | text | NOT NULL | ''::text",
    'correlation_id | uuid | NULL |',
    'batch_id | uuid | NULL |',
  ],
  audit: [
    "audit_id | bigint | NOT NULL | nextval('commandbus.audit_audit_id_seq'::regclass)",
    'domain | text | NOT NULL |',
    'command_id | uuid | NOT NULL |',
    'event_type | text | NOT NULL |',
    `ts | ${TSTZ} | NOT NULL | now()`,
    'details_json | jsonb | NULL |',
  ],
  payload_archive: [
    'domain | text | NOT NULL |',
    'command_id | uuid | NOT NULL |',
    'payload_json | jsonb | NOT NULL |',
    `archived_at | ${TSTZ} | NOT NULL | now()`,
  ],
};

const expectedIndexes = [
  'CREATE INDEX * ON commandbus.audit USING btree (command_id, ts)',
  'CREATE INDEX * ON commandbus.batch USING btree (domain, created_at DESC)',
  'CREATE INDEX * ON commandbus.batch USING btree (domain, status)',
  'CREATE INDEX * ON commandbus.command USING btree (domain, batch_id) WHERE (batch_id IS NOT NULL)',
  'CREATE INDEX * ON commandbus.command USING btree (status, command_type)',
  'CREATE INDEX * ON commandbus.command USING btree (status, created_at DESC)',
  'CREATE INDEX * ON commandbus.command USING btree (updated_at)',
  'CREATE UNIQUE INDEX * ON commandbus.audit USING btree (audit_id)',
  'CREATE UNIQUE INDEX * ON commandbus.batch USING btree (domain, batch_id)',
  'CREATE UNIQUE INDEX * ON commandbus.command USING btree (domain, command_id)',
  'CREATE UNIQUE INDEX * ON commandbus.payload_archive USING btree (domain, command_id)',
].sort();

const BATCH_STATUSES = ['COMPLETED', 'COMPLETED_WITH_FAILURES', 'IN_PROGRESS', 'PENDING'];
const COMMAND_STATUSES = [
  'CANCELED',
  'COMPLETED',
  'IN_PROGRESS',
  'IN_TROUBLESHOOTING_QUEUE',
  'PENDING',
];
const EVENT_TYPES = [
  'BATCH_COMPLETED',
  'BATCH_STARTED',
  'CANCELED',
  'COMPLETED',
  'FAILED',
  'MOVED_TO_TROUBLESHOOTING_QUEUE',
  'OPERATOR_CANCEL',
  'OPERATOR_COMPLETE',
  'OPERATOR_RETRY',
  'RECEIVED',
  'SENT',
];
const expectedConstraints = [
  'commandbus.batch PRIMARY KEY (domain, batch_id)',
  'commandbus.audit PRIMARY KEY (audit_id)',
  'commandbus.payload_archive PRIMARY KEY (domain, command_id)',
  'commandbus.command FOREIGN KEY (domain, batch_id) REFERENCES commandbus.batch(domain, batch_id)',
  // The status and event-type lists of the contract, enforced.
  `commandbus.batch CHECK status IN ${BATCH_STATUSES.join(', ')}`,
  `commandbus.command CHECK status IN ${COMMAND_STATUSES.join(', ')}`,
  `commandbus.audit CHECK event_type IN ${EVENT_TYPES.join(', ')}`,
  // "a counter never goes below zero"
  'commandbus.batch CHECK on canceled_count, completed_count, in_troubleshooting_count, total_count',
].sort();

const BATCH_OP = 'p_domain text, p_batch_id uuid';
const expectedProcedures = [
  {
    name: 'sp_fail_command',
    arguments:
      'p_domain text, p_command_id uuid, p_error_type text, p_error_code text, p_error_msg text, ' +
      'p_attempt integer, p_max_attempts integer, p_msg_id bigint',
    result: 'boolean',
  },
  {
    name: 'sp_finish_command',
    arguments:
      'p_domain text, p_command_id uuid, p_status text, p_event_type text, p_error_type text DEFAULT NULL::text, ' +
      'p_error_code text DEFAULT NULL::text, p_error_msg text DEFAULT NULL::text, p_details jsonb DEFAULT NULL::jsonb, ' +
      'p_batch_id uuid DEFAULT NULL::uuid',
    result: 'boolean',
  },
  {
    name: 'sp_receive_command',
    arguments:
      "p_domain text, p_command_id uuid, p_new_status text DEFAULT 'IN_PROGRESS'::text, " +
      'p_msg_id bigint DEFAULT NULL::bigint, p_max_attempts integer DEFAULT NULL::integer',
    result:
      'TABLE(domain text, command_id uuid, command_type text, status text, attempts integer, max_attempts integer, ' +
      'msg_id bigint, correlation_id uuid, reply_queue text, last_error_type text, last_error_code text, ' +
      `last_error_msg text, created_at ${TSTZ}, updated_at ${TSTZ}, batch_id uuid)`,
  },
  { name: 'sp_start_batch', arguments: BATCH_OP, result: 'boolean' },
  { name: 'sp_tsq_cancel', arguments: BATCH_OP, result: 'boolean' },
  { name: 'sp_tsq_complete', arguments: BATCH_OP, result: 'boolean' },
  { name: 'sp_tsq_retry', arguments: BATCH_OP, result: 'boolean' },
  {
    name: 'sp_update_batch_counters',
    arguments: `${BATCH_OP}, p_update_type text`,
    result: 'boolean',
  },
].map((procedure) => ({ ...procedure, language: 'plpgsql' }));

describe('the real V001 migration', () => {
  const db = useTestDatabase();
  let first: MigrateResult;
  let v001Text = '';

  let v001Only = '';

  beforeAll(async () => {
    v001Text = await readFile(path.join(schemaSqlDir, V001), 'utf8');
    // The real file, alone in a location: a database as V001 left it.
    v001Only = await fixtureLocation({ [V001]: v001Text });
    first = await migrate({ url: db().url, locations: [v001Only] });
  });

  it('is applied to a fresh database once, recorded with its Flyway checksum', async () => {
    expect(first.upToDate).toBe(false);
    expect(
      first.applied.map((applied) => [applied.version, applied.description, applied.script]),
    ).toEqual([['001', 'commandbus schema', V001]]);
    const rows = await historyRows(db().pool);
    expect(
      rows.map((row) => [
        row.installed_rank,
        row.version,
        row.type,
        row.script,
        row.checksum,
        row.success,
      ]),
    ).toEqual([[1, '001', 'SQL', V001, flywayChecksum(v001Text), true]]);
  });

  it('creates the four tables with exactly the columns of the contract', async () => {
    for (const [table, expected] of Object.entries(expectedColumns)) {
      expect(await columns(db().pool, table), table).toEqual(expected);
    }
  });

  it('creates every index of the contract and no other', async () => {
    expect(await indexes(db().pool)).toEqual(expectedIndexes);
  });

  it('creates the primary keys, the foreign key and the CHECKs of the status lists', async () => {
    expect(await constraints(db().pool)).toEqual(expectedConstraints);
  });

  it('creates every procedure with its argument names, types and defaults, in PL/pgSQL', async () => {
    expect(await procedures(db().pool)).toEqual(expectedProcedures);
  });

  it('a second migrate applies nothing and leaves the history unchanged', async () => {
    const before = await historyRows(db().pool);
    const again = await migrate({ url: db().url, locations: [v001Only] });
    expect(again).toEqual({ applied: [], upToDate: true, currentVersion: '001' });
    expect(await historyRows(db().pool)).toEqual(before);
  });

  it('running V001 again by hand succeeds and changes nothing', async () => {
    const before = await snapshot(db().pool);
    const client = new pg.Client(db().url);
    await client.connect();
    try {
      await client.query(v001Text.replace(/^\uFEFF/, ''));
    } finally {
      await client.end();
    }
    expect(await snapshot(db().pool)).toEqual(before);
  });
});

describe('the real migrations under concurrent migrators', () => {
  it('4 migrators started at once apply each file exactly once (3 rounds)', async () => {
    for (let round = 0; round < 3; round += 1) {
      const db = await freshDatabase();
      const results = await Promise.all(Array.from({ length: 4 }, () => migrate({ url: db.url })));
      expect(results.flatMap((result) => result.applied.map((applied) => applied.script))).toEqual([
        V001,
        V002,
        V003,
        V004,
      ]);
      expect(results.filter((result) => result.upToDate)).toHaveLength(3);
      expect((await historyRows(db.pool)).map((row) => row.script)).toEqual([
        V001,
        V002,
        V003,
        V004,
      ]);
    }
  });
});
