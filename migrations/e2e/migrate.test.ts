import { sql } from 'slonik';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flywayChecksum, migrate, type MigrationLogEvent } from '../src/index.ts';
import { fixtureLocation, freshDatabase, writeFiles } from './fixtures.ts';
import { historyRows, tableExists } from './history.ts';

const files = {
  'V1__create_widget.sql':
    'CREATE TABLE widget (id INT PRIMARY KEY);\r\nINSERT INTO widget VALUES (1);\r\n',
  'V1.9__add_name.sql': 'ALTER TABLE widget ADD COLUMN name TEXT;',
  'V1.10__add_price.sql': '\uFEFFALTER TABLE widget ADD COLUMN price INT;',
  'V2_1__create_function.sql': [
    'CREATE FUNCTION widget_count() RETURNS BIGINT LANGUAGE plpgsql AS $$',
    'BEGIN',
    '  RETURN (SELECT count(*) FROM widget); -- a ; inside a body',
    'END;',
    '$$;',
  ].join('\n'),
};

describe('migrate', () => {
  it('applies a fresh database file by file in numeric version order, with Flyway history rows', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation(files);
    const result = await migrate({ url: db.url, locations: [location] });

    expect(result.upToDate).toBe(false);
    expect(result.currentVersion).toBe('2.1');
    expect(result.applied.map((applied) => applied.script)).toEqual([
      'V1__create_widget.sql',
      'V1.9__add_name.sql',
      'V1.10__add_price.sql',
      'V2_1__create_function.sql',
    ]);
    const count = await db.pool.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT widget_count()::int AS n`,
    );
    expect(count).toBe(1);

    const currentUser = await db.pool.oneFirst(
      sql.type(z.object({ u: z.string() }))`SELECT current_user AS u`,
    );
    const rows = await historyRows(db.pool);
    expect(rows.map(({ installed_on: _on, execution_time: _ms, ...row }) => row)).toEqual([
      row(1, '1', 'create widget', 'V1__create_widget.sql'),
      row(2, '1.9', 'add name', 'V1.9__add_name.sql'),
      row(3, '1.10', 'add price', 'V1.10__add_price.sql'),
      row(4, '2.1', 'create function', 'V2_1__create_function.sql'),
    ]);
    for (const { execution_time } of rows) expect(execution_time).toBeGreaterThanOrEqual(0);

    function row(rank: number, version: string, description: string, script: keyof typeof files) {
      return {
        installed_rank: rank,
        version,
        description,
        type: 'SQL',
        script,
        checksum: flywayChecksum(files[script]),
        installed_by: currentUser,
        success: true,
      };
    }
  });

  it("creates flyway_schema_history with exactly Flyway's columns, primary key and index", async () => {
    const db = await freshDatabase();
    await migrate({
      url: db.url,
      locations: [await fixtureLocation({ 'V1__noop.sql': 'SELECT 1;' })],
    });

    const columns = await db.pool.any(
      sql.type(
        z.object({
          column_name: z.string(),
          data_type: z.string(),
          character_maximum_length: z.number().nullable(),
          is_nullable: z.string(),
          column_default: z.string().nullable(),
        }),
      )`
        SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = 'flyway_schema_history'
         ORDER BY ordinal_position`,
    );
    expect(
      columns.map((c) => [
        c.column_name,
        c.data_type,
        c.character_maximum_length,
        c.is_nullable,
        c.column_default,
      ]),
    ).toEqual([
      ['installed_rank', 'integer', null, 'NO', null],
      ['version', 'character varying', 50, 'YES', null],
      ['description', 'character varying', 200, 'NO', null],
      ['type', 'character varying', 20, 'NO', null],
      ['script', 'character varying', 1000, 'NO', null],
      ['checksum', 'integer', null, 'YES', null],
      ['installed_by', 'character varying', 100, 'NO', null],
      ['installed_on', 'timestamp without time zone', null, 'NO', 'now()'],
      ['execution_time', 'integer', null, 'NO', null],
      ['success', 'boolean', null, 'NO', null],
    ]);

    const constraints = await db.pool.any(
      sql.type(z.object({ conname: z.string(), def: z.string() }))`
        SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conrelid = 'public.flyway_schema_history'::regclass
           AND contype <> 'n' -- PostgreSQL 18 also lists NOT NULLs here; 17 does not
         ORDER BY conname`,
    );
    expect(constraints).toEqual([
      { conname: 'flyway_schema_history_pk', def: 'PRIMARY KEY (installed_rank)' },
    ]);

    const indexes = await db.pool.any(
      sql.type(z.object({ indexname: z.string(), indexdef: z.string() }))`
        SELECT indexname, indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename = 'flyway_schema_history' ORDER BY indexname`,
    );
    expect(indexes).toEqual([
      {
        indexname: 'flyway_schema_history_pk',
        indexdef:
          'CREATE UNIQUE INDEX flyway_schema_history_pk ON public.flyway_schema_history USING btree (installed_rank)',
      },
      {
        indexname: 'flyway_schema_history_s_idx',
        indexdef:
          'CREATE INDEX flyway_schema_history_s_idx ON public.flyway_schema_history USING btree (success)',
      },
    ]);
  });

  it('a second run applies nothing and leaves the history unchanged; a new file is applied next', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation(files);
    await migrate({ url: db.url, locations: [location] });
    const before = await historyRows(db.pool);

    const again = await migrate({ url: db.url, locations: [location] });
    expect(again).toEqual({ applied: [], upToDate: true, currentVersion: '2.1' });
    expect(await historyRows(db.pool)).toEqual(before);

    await writeFiles(location, { 'V3__drop_price.sql': 'ALTER TABLE widget DROP COLUMN price;' });
    const next = await migrate({ url: db.url, locations: [location] });
    expect(next.applied.map((applied) => [applied.installedRank, applied.version])).toEqual([
      [5, '3'],
    ]);
    expect((await historyRows(db.pool)).slice(0, 4)).toEqual(before);
  });

  it("gives each file the session's original search_path, whatever the previous file set", async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({
      'V1__elsewhere.sql':
        'CREATE SCHEMA elsewhere;\nSET search_path = elsewhere;\nCREATE TABLE inside (id INT);',
      'V2__default.sql': 'CREATE TABLE outside (id INT);',
    });
    await migrate({ url: db.url, locations: [location] });
    expect(await tableExists(db.pool, 'elsewhere.inside')).toBe(true);
    expect(await tableExists(db.pool, 'public.outside')).toBe(true);
    expect(await tableExists(db.pool, 'elsewhere.outside')).toBe(false);
  });

  it('reports progress to a log callback or a pino-compatible logger, never to the console', async () => {
    const db = await freshDatabase();
    const location = await fixtureLocation({ 'V1__one.sql': 'SELECT 1;' });
    const events: MigrationLogEvent[] = [];
    await migrate({ url: db.url, locations: [location], log: (event) => events.push(event) });
    expect(events).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: 'applied migration',
        fields: expect.objectContaining({ script: 'V1__one.sql' }),
      }),
    );

    const calls: [string, object, string][] = [];
    const pinoLike = {
      debug: (fields: object, message: string) => calls.push(['debug', fields, message]),
      info: (fields: object, message: string) => calls.push(['info', fields, message]),
      warn: (fields: object, message: string) => calls.push(['warn', fields, message]),
    };
    await migrate({ url: db.url, locations: [location], log: pinoLike });
    expect(calls).toContainEqual(['info', { currentVersion: '1' }, 'schema is up to date']);
  });
});
