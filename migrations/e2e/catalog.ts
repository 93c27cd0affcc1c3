// Snapshots of the `commandbus` schema from PostgreSQL's catalogs, in forms
// that can be compared with docs/schema.md (names the contract leaves open,
// like index names, are left out).
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

export const TABLES = ['batch', 'command', 'audit', 'payload_archive'] as const;

export async function columns(pool: DatabasePool, table: string): Promise<string[]> {
  const rows = await pool.any(
    sql.type(
      z.object({
        column_name: z.string(),
        data_type: z.string(),
        is_nullable: z.string(),
        column_default: z.string().nullable(),
      }),
    )`
      SELECT column_name, data_type, is_nullable, column_default
        FROM information_schema.columns
       WHERE table_schema = 'commandbus' AND table_name = ${table}
       ORDER BY ordinal_position`,
  );
  return rows.map((c) =>
    [
      c.column_name,
      c.data_type,
      c.is_nullable === 'YES' ? 'NULL' : 'NOT NULL',
      c.column_default ?? '',
    ]
      .join(' | ')
      .trimEnd(),
  );
}

/** Every index of the schema, its name replaced by `*`. */
export async function indexes(pool: DatabasePool): Promise<string[]> {
  const defs = await pool.anyFirst(
    sql.type(z.object({ indexdef: z.string() }))`
      SELECT indexdef FROM pg_indexes WHERE schemaname = 'commandbus' ORDER BY tablename, indexdef`,
  );
  return defs
    .map((def) => def.replace(/^CREATE (UNIQUE )?INDEX \S+ ON /, 'CREATE $1INDEX * ON '))
    .sort();
}

/**
 * Primary keys, unique constraints and foreign keys by definition; CHECKs of
 * the form `column IN (...)` as the sorted values they admit, other CHECKs by
 * the columns they constrain.
 */
export async function constraints(pool: DatabasePool): Promise<string[]> {
  const rows = await pool.any(
    sql.type(
      z.object({
        table: z.string(),
        contype: z.string(),
        def: z.string(),
        columns: z.array(z.string()),
      }),
    )`
      SELECT c.conrelid::regclass::text AS table, c.contype::text AS contype, pg_get_constraintdef(c.oid) AS def,
             array(SELECT a.attname::text FROM pg_attribute a
                    WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) ORDER BY a.attname) AS columns
        FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE n.nspname = 'commandbus' AND c.contype IN ('p', 'u', 'f', 'c')`,
  );
  return rows
    .map(({ table, contype, def, columns: cols }) => {
      if (contype !== 'c') return `${table} ${def}`;
      const inList = /^CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)$/.exec(def);
      if (!inList) return `${table} CHECK on ${cols.join(', ')}`;
      const values = [...(inList[2] ?? '').matchAll(/'([^']*)'::text/g)]
        .map((match) => match[1])
        .sort();
      return `${table} CHECK ${inList[1]} IN ${values.join(', ')}`;
    })
    .sort();
}

export interface Procedure {
  readonly name: string;
  readonly arguments: string;
  readonly result: string;
  readonly language: string;
}

export async function procedures(pool: DatabasePool): Promise<Procedure[]> {
  const rows = await pool.any(
    sql.type(
      z.object({
        name: z.string(),
        arguments: z.string(),
        result: z.string(),
        language: z.string(),
      }),
    )`
      SELECT p.proname AS name, pg_get_function_arguments(p.oid) AS arguments,
             pg_get_function_result(p.oid) AS result, l.lanname AS language
        FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
       WHERE n.nspname = 'commandbus'
       ORDER BY p.proname, pg_get_function_arguments(p.oid)`,
  );
  return [...rows];
}

export async function snapshot(pool: DatabasePool) {
  return {
    columns: await Promise.all(TABLES.map((table) => columns(pool, table))),
    indexes: await indexes(pool),
    constraints: await constraints(pool),
    procedures: await procedures(pool),
  };
}
