import { describe, expect, it } from 'vitest';
import { fixtureLocation } from '../e2e/fixtures.ts';
import { flywayChecksum } from './checksum.ts';
import { InvalidFileNameError, MigrationError } from './errors.ts';
import { parseMigrationFileName, readMigrationFiles } from './migration-files.ts';

describe('migration file names', () => {
  it('split V<version>__<description>.sql, underscores in the description shown as spaces', () => {
    expect(parseMigrationFileName('V001__commandbus_schema.sql')).toMatchObject({
      version: { text: '001' },
      description: 'commandbus schema',
    });
    expect(parseMigrationFileName('V1_1__add_index.sql')).toMatchObject({
      version: { text: '1.1' },
      description: 'add index',
    });
    expect(parseMigrationFileName('V2.3__x.sql')).toMatchObject({
      version: { text: '2.3' },
      description: 'x',
    });
  });

  it('reject names that are not versioned migrations', () => {
    for (const name of [
      'V002_missing_underscore.sql',
      'v1__lowercase_prefix.sql',
      'V1__no_suffix',
      'V1__wrong_suffix.SQL',
      'V__no_version.sql',
      'V1.__dot.sql',
      'V1__.sql',
      'R__repeatable.sql',
      'README.md',
      '.gitkeep',
    ]) {
      expect(parseMigrationFileName(name), name).toBeUndefined();
    }
  });
});

describe('reading a location', () => {
  it('returns files in ascending numeric version order with their checksums and BOM-less SQL', async () => {
    const dir = await fixtureLocation({
      'V1.10__ten.sql': 'SELECT 10;',
      'V1.9__nine.sql': 'SELECT 9;',
      'V001__one.sql': '\uFEFFSELECT 1;\r\n',
      'sub/V2__in_a_folder.sql': 'SELECT 2;',
    });
    const files = await readMigrationFiles([`filesystem:${dir}`]);
    expect(files.map((file) => [file.version.text, file.script])).toEqual([
      ['001', 'V001__one.sql'],
      ['1.9', 'V1.9__nine.sql'],
      ['1.10', 'V1.10__ten.sql'],
      ['2', 'sub/V2__in_a_folder.sql'],
    ]);
    expect(files[0]?.sql).toBe('SELECT 1;\r\n');
    expect(files[0]?.checksum).toBe(flywayChecksum('SELECT 1;'));
  });

  it('merges several locations', async () => {
    const a = await fixtureLocation({ 'V1__a.sql': 'SELECT 1;' });
    const b = await fixtureLocation({ 'V2__b.sql': 'SELECT 2;' });
    const files = await readMigrationFiles([b, a]);
    expect(files.map((file) => file.script)).toEqual(['V1__a.sql', 'V2__b.sql']);
  });

  it('fails on a badly named file, naming it', async () => {
    const dir = await fixtureLocation({
      'V001__ok.sql': 'SELECT 1;',
      'V002_missing_underscore.sql': 'SELECT 2;',
    });
    const error = await readMigrationFiles([dir]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidFileNameError);
    expect(error).toMatchObject({ code: 'INVALID_FILE_NAME', file: 'V002_missing_underscore.sql' });
    expect((error as Error).message).toContain('V002_missing_underscore.sql');
  });

  it('fails on two files with the same version (001 = 1), naming both', async () => {
    const dir = await fixtureLocation({
      'V001__first.sql': 'SELECT 1;',
      'V1__second.sql': 'SELECT 2;',
    });
    const error = await readMigrationFiles([dir]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: 'DUPLICATE_VERSION' });
    expect((error as Error).message).toMatch(/V001__first\.sql.*V1__second\.sql/);
  });

  it('fails on a location that does not exist', async () => {
    const dir = await fixtureLocation({});
    await expect(readMigrationFiles([`${dir}/nope`])).rejects.toMatchObject({
      code: 'LOCATION_NOT_FOUND',
    });
  });
});
