// The real V002 (libs/commandbus-schema/sql): a fresh database migrated to it,
// and a database V001 migrated earlier, with rows in it, upgraded to it.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql } from 'slonik';
import { finishCommand, getBatch, schemaSqlDir } from '@commandbus/commandbus-schema';
import { useTestDatabase } from '@commandbus/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flywayChecksum, migrate, validate } from '../src/index.ts';
import { columns, constraints, procedures, snapshot } from './catalog.ts';
import { fixtureLocation, freshDatabase } from './fixtures.ts';
import { recordedMigrations } from './history.ts';

const V001 = 'V001__commandbus_schema.sql';
const V002 = 'V002__business_rule_failures_and_python_interop.sql';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const EVENT_TYPES = [
  'BATCH_COMPLETED',
  'BATCH_STARTED',
  'BUSINESS_RULE_FAILED',
  'CANCELED',
  'COMPLETED',
  'FAILED',
  'MOVED_TO_TROUBLESHOOTING_QUEUE',
  'MOVED_TO_TSQ',
  'OPERATOR_CANCEL',
  'OPERATOR_COMPLETE',
  'OPERATOR_RETRY',
  'RECEIVED',
  'RETRY_EXHAUSTED',
  'RETRY_SCHEDULED',
  'SENT',
];

let v001Text = '';
let v002Text = '';
let v001Only = '';
let upToV002 = '';

beforeAll(async () => {
  v001Text = await readFile(path.join(schemaSqlDir, V001), 'utf8');
  v002Text = await readFile(path.join(schemaSqlDir, V002), 'utf8');
  v001Only = await fixtureLocation({ [V001]: v001Text });
  upToV002 = await fixtureLocation({ [V001]: v001Text, [V002]: v002Text });
});

describe('the real V002 migration on a fresh database', () => {
  const db = useTestDatabase();

  beforeAll(async () => {
    await migrate({ url: db().url });
  });

  it('is applied after V001, each recorded with its Flyway checksum', async () => {
    expect((await recordedMigrations(db().pool)).slice(0, 2)).toEqual([
      [1, '001', 'commandbus schema', V001, flywayChecksum(v001Text), true],
      [2, '002', 'business rule failures and python interop', V002, flywayChecksum(v002Text), true],
    ]);
  });

  it('adds failed_count and batch_type to the batch, after the V001 columns', async () => {
    expect((await columns(db().pool, 'batch')).slice(-2)).toEqual([
      'failed_count | integer | NOT NULL | 0',
      "batch_type | text | NOT NULL | 'COMMAND'::text",
    ]);
  });

  it('allows FAILED, every event type of both libraries and the two batch types, and no other', async () => {
    const checks = await constraints(db().pool);
    expect(checks).toContain(
      'commandbus.command CHECK status IN CANCELED, COMPLETED, FAILED, IN_PROGRESS, IN_TROUBLESHOOTING_QUEUE, PENDING',
    );
    expect(checks).toContain(`commandbus.audit CHECK event_type IN ${EVENT_TYPES.join(', ')}`);
    expect(checks).toContain('commandbus.batch CHECK batch_type IN COMMAND, PROCESS');
    expect(checks).toContain('commandbus.batch CHECK on failed_count');
  });

  it('keeps every procedure signature of V001', async () => {
    const v001Database = await freshDatabase();
    await migrate({ url: v001Database.url, locations: [v001Only] });
    expect(await procedures(db().pool)).toEqual(await procedures(v001Database.pool));
  });

  it('running V002 again by hand succeeds and changes nothing', async () => {
    const before = await snapshot(db().pool);
    const client = new pg.Client(db().url);
    await client.connect();
    try {
      await client.query(v002Text);
    } finally {
      await client.end();
    }
    expect(await snapshot(db().pool)).toEqual(before);
  });

  it('npm run migrate -- info shows V001 and V002 applied', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      const { DATABASE_URL: _ignored, ...env } = process.env;
      execFile(
        process.execPath,
        ['migrations/src/cli.ts', 'info', '--url', db().url],
        { cwd: repoRoot, env, timeout: 30_000 },
        (error, out, err) => (error ? reject(new Error(err || error.message)) : resolve(out)),
      );
    });
    const rows = stdout
      .trimEnd()
      .split('\n')
      .slice(2, 4)
      .map((line) => line.split(/\s{2,}/));
    expect(rows.map((cells) => [cells[0], cells[1], cells.at(-2)])).toEqual([
      ['001', 'commandbus schema', 'applied'],
      ['002', 'business rule failures and python interop', 'applied'],
    ]);
  });
});

describe('a V001 database upgraded to V002', () => {
  it('applies V002 alone and keeps every row, the old batches counting failures from 0', async () => {
    const db = await freshDatabase();
    await migrate({ url: db.url, locations: [v001Only] });
    const domain = 'upgraded';
    const batchId = randomUUID();
    const [done, failing] = [randomUUID(), randomUUID()];
    await db.pool.query(sql.unsafe`
      INSERT INTO commandbus.batch (domain, batch_id, status, total_count, completed_count)
      VALUES (${domain}, ${batchId}::uuid, 'IN_PROGRESS', 2, 1)`);
    await db.pool.query(sql.unsafe`
      INSERT INTO commandbus.command (domain, queue_name, command_id, command_type, status, max_attempts, batch_id)
      VALUES (${domain}, 'upgraded__commands', ${done}::uuid, 'DoThing', 'COMPLETED', 3, ${batchId}::uuid),
             (${domain}, 'upgraded__commands', ${failing}::uuid, 'DoThing', 'IN_PROGRESS', 3, ${batchId}::uuid)`);
    await db.pool.query(sql.unsafe`
      INSERT INTO commandbus.audit (domain, command_id, event_type)
      VALUES (${domain}, ${done}::uuid, 'MOVED_TO_TROUBLESHOOTING_QUEUE')`);

    const upgrade = await migrate({ url: db.url, locations: [upToV002] });
    expect(upgrade.applied.map((applied) => applied.script)).toEqual([V002]);
    expect(upgrade.currentVersion).toBe('002');
    expect(await validate({ url: db.url, locations: [upToV002] })).toEqual({
      applied: 2,
      pending: 0,
    });
    expect(await getBatch(db.pool, { domain, batchId })).toMatchObject({
      status: 'IN_PROGRESS',
      completedCount: 1,
      failedCount: 0,
      batchType: 'COMMAND',
    });
    expect(
      await db.pool.anyFirst(sql.type(z.object({ event_type: z.string() }))`
        SELECT event_type FROM commandbus.audit WHERE command_id = ${done}::uuid`),
    ).toEqual(['MOVED_TO_TROUBLESHOOTING_QUEUE']);

    // The upgraded batch counts a business-rule failure and completes on it.
    expect(
      await finishCommand(db.pool, {
        domain,
        commandId: failing,
        status: 'FAILED',
        eventType: 'BUSINESS_RULE_FAILED',
      }),
    ).toBe(true);
    expect(await getBatch(db.pool, { domain, batchId })).toMatchObject({
      status: 'COMPLETED_WITH_FAILURES',
      completedCount: 1,
      failedCount: 1,
    });
  });
});
