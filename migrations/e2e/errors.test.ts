import { rm } from 'node:fs/promises';
import path from 'node:path';
import { CommandBusError } from '@commandbus/commandbus-schema';
import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import {
  flywayChecksum,
  info,
  InvalidFileNameError,
  migrate,
  MigrationError,
  MigrationFailedError,
  validate,
  ValidationError,
} from '../src/index.ts';
import { fixtureLocation, freshDatabase, writeFiles } from './fixtures.ts';
import { historyRows, tableExists } from './history.ts';

async function failure(promise: Promise<unknown>): Promise<MigrationError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof MigrationError))
    throw new Error(`expected a MigrationError, got ${String(outcome)}`);
  return outcome;
}

describe('validation before migrate', () => {
  it('an edited applied file is a CHECKSUM_MISMATCH naming the file and both checksums; nothing more is applied', async () => {
    const db = await freshDatabase();
    const original = 'CREATE TABLE a (id INT);';
    const edited = 'CREATE TABLE a (id BIGINT);';
    const location = await fixtureLocation({ 'V1__create_a.sql': original });
    await migrate({ url: db.url, locations: [location] });
    await writeFiles(location, {
      'V1__create_a.sql': edited,
      'V2__create_b.sql': 'CREATE TABLE b (id INT);',
    });

    for (const run of [migrate, validate]) {
      const error = await failure(run({ url: db.url, locations: [location] }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toBeInstanceOf(CommandBusError); // the project's error root
      expect(error.code).toBe('CHECKSUM_MISMATCH');
      expect(error.message).toContain('V1__create_a.sql');
      expect(error.message).toContain(String(flywayChecksum(original)));
      expect(error.message).toContain(String(flywayChecksum(edited)));
    }
    expect(await tableExists(db.pool, 'public.b')).toBe(false);
    expect(await historyRows(db.pool)).toHaveLength(1);
  });

  it('only line endings changed is not an edit', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;\nSELECT 2;\n' });
    await migrate({ url: db.url, locations: [location] });
    await writeFiles(location, { 'V1__a.sql': '\uFEFFSELECT 1;\r\nSELECT 2;\r\n' });
    expect(await validate({ url: db.url, locations: [location] })).toEqual({
      applied: 1,
      pending: 0,
    });
  });

  it('an applied file that is gone is MISSING_FILE naming it', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;', 'V2__b.sql': 'SELECT 2;' });
    await migrate({ url: db.url, locations: [location] });
    await rm(path.join(location, 'V2__b.sql'));
    const error = await failure(migrate({ url: db.url, locations: [location] }));
    expect(error.code).toBe('MISSING_FILE');
    expect(error.message).toContain('V2__b.sql');
  });

  it('a pending file below the highest applied version is OUT_OF_ORDER and is not applied', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;', 'V3__c.sql': 'SELECT 3;' });
    await migrate({ url: db.url, locations: [location] });
    await writeFiles(location, { 'V2__late.sql': 'CREATE TABLE late (id INT);' });
    const error = await failure(migrate({ url: db.url, locations: [location] }));
    expect(error.code).toBe('OUT_OF_ORDER');
    expect(error.message).toContain('V2__late.sql');
    expect(await tableExists(db.pool, 'public.late')).toBe(false);
  });

  it('a badly named file is INVALID_FILE_NAME before the database is touched', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V001__ok.sql': 'CREATE TABLE ok (id INT);',
      'V002_missing_underscore.sql': 'SELECT 2;',
    });
    const error = await failure(migrate({ url: db.url, locations: [location] }));
    expect(error).toBeInstanceOf(InvalidFileNameError);
    expect(error.code).toBe('INVALID_FILE_NAME');
    expect(error.message).toContain('V002_missing_underscore.sql');
    expect(await tableExists(db.pool, 'public.flyway_schema_history')).toBe(false);
    expect(await tableExists(db.pool, 'public.ok')).toBe(false);
  });

  it('two files with one version are DUPLICATE_VERSION', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V1__a.sql': 'SELECT 1;',
      'V1.0__b.sql': 'SELECT 2;',
    });
    expect((await failure(migrate({ url: db.url, locations: [location] }))).code).toBe(
      'DUPLICATE_VERSION',
    );
  });

  it('a failed migration recorded in the history (as Flyway may leave one) stops migrate', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;', 'V2__b.sql': 'SELECT 2;' });
    await migrate({
      url: db.url,
      locations: [await fixtureLocation({ 'V1__a.sql': 'SELECT 1;' })],
    });
    await db.pool.query(sql.unsafe`
      INSERT INTO public.flyway_schema_history
             (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
      VALUES (2, '2', 'b', 'SQL', 'V2__b.sql', 0, current_user, 1, false)`);
    const error = await failure(migrate({ url: db.url, locations: [location] }));
    expect(error.code).toBe('FAILED_IN_HISTORY');
    expect(error.message).toContain('V2__b.sql');
  });
});

describe('a failing migration', () => {
  it('rolls back with its history row, keeps earlier files, and names the file, message and position', async () => {
    const db = await freshDatabase();
    const broken = ['CREATE TABLE half (id INT);', '', 'CREATE TABLEE nope (id INT);', ''].join(
      '\n',
    );
    const location = await fixtureLocation({
      'V1__good.sql': 'CREATE TABLE good (id INT);',
      'V2__broken.sql': broken,
      'V3__after.sql': 'CREATE TABLE after (id INT);',
    });
    const error = await failure(migrate({ url: db.url, locations: [location] }));

    expect(error).toBeInstanceOf(MigrationFailedError);
    const failed = error as MigrationFailedError;
    expect(failed.code).toBe('MIGRATION_FAILED');
    expect(failed.script).toBe('V2__broken.sql');
    expect(failed.databaseMessage).toBe('syntax error at or near "TABLEE"');
    expect(failed.sqlState).toBe('42601');
    expect([failed.line, failed.column, failed.position]).toEqual([
      3,
      8,
      broken.indexOf('TABLEE') + 1,
    ]);
    expect(failed.message).toContain('V2__broken.sql');
    expect(failed.message).toContain('syntax error at or near "TABLEE"');
    expect(failed.message).toContain('line 3, column 8');

    expect(await tableExists(db.pool, 'public.good')).toBe(true);
    expect(await tableExists(db.pool, 'public.half')).toBe(false);
    expect(await tableExists(db.pool, 'public.after')).toBe(false);
    expect((await historyRows(db.pool)).map((row) => row.script)).toEqual(['V1__good.sql']);

    // Never applied, so fixing it is allowed: the next run picks up where this one stopped.
    await writeFiles(location, { 'V2__broken.sql': broken.replace('TABLEE', 'TABLE') });
    const resumed = await migrate({ url: db.url, locations: [location] });
    expect(resumed.applied.map((applied) => applied.script)).toEqual([
      'V2__broken.sql',
      'V3__after.sql',
    ]);
  });

  it('a runtime error without a position still names the file and PostgreSQL message', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V1__raise.sql': "DO $$ BEGIN RAISE EXCEPTION 'refusing: %', 42; END $$;",
    });
    const error = (await failure(
      migrate({ url: db.url, locations: [location] }),
    )) as MigrationFailedError;
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('V1__raise.sql');
    expect(error.message).toContain('refusing: 42');
    expect(await historyRows(db.pool)).toEqual([]);
  });

  it('an unreachable database is CONNECTION_FAILED without the password', async () => {
    const db = await freshDatabase();
    const url = new URL(db.url);
    url.password = 'Wr0ng-Secret';
    const error = await failure(
      migrate({
        url: url.toString(),
        locations: [await fixtureLocation({ 'V1__a.sql': 'SELECT 1;' })],
      }),
    );
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).not.toContain('Wr0ng-Secret');
  });
});

describe('info', () => {
  it('shows every migration with its state: applied, checksum-mismatch, missing, out-of-order, pending', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V1__applied.sql': 'SELECT 1;',
      'V2__edited.sql': 'SELECT 2;',
      'V3__removed.sql': 'SELECT 3;',
      'V5__top.sql': 'SELECT 5;',
    });
    await migrate({ url: db.url, locations: [location] });
    await rm(path.join(location, 'V3__removed.sql'));
    await writeFiles(location, {
      'V2__edited.sql': 'SELECT 22;',
      'V4__late.sql': 'SELECT 4;',
      'V6__next.sql': 'SELECT 6;',
    });
    const statuses = await info({ url: db.url, locations: [location] });
    expect(statuses.map((status) => [status.version, status.state])).toEqual([
      ['1', 'applied'],
      ['2', 'checksum-mismatch'],
      ['3', 'missing'],
      ['5', 'applied'],
      ['4', 'out-of-order'],
      ['6', 'pending'],
    ]);
    const edited = statuses[1];
    expect([edited?.appliedChecksum, edited?.checksum]).toEqual([
      flywayChecksum('SELECT 2;'),
      flywayChecksum('SELECT 22;'),
    ]);
    expect(statuses[0]?.installedOn).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
  });

  it('lists every file as pending on a database never migrated, without creating anything', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;' });
    expect(
      (await info({ url: db.url, locations: [location] })).map((status) => status.state),
    ).toEqual(['pending']);
    expect(await tableExists(db.pool, 'public.flyway_schema_history')).toBe(false);
  });
});
