// Flyway's schema history table, created and written exactly as Flyway does
// on PostgreSQL, so either tool accepts a database the other one migrated.
import type pg from 'pg';
import { z } from 'zod';

export const HISTORY_SCHEMA = 'public';
export const HISTORY_TABLE = 'flyway_schema_history';
const QUALIFIED = `"${HISTORY_SCHEMA}"."${HISTORY_TABLE}"`;

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Flyway's createMetaDataTable.sql for PostgreSQL, names and all. */
const CREATE_HISTORY_TABLE = `
CREATE TABLE ${QUALIFIED} (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE ${QUALIFIED} ADD CONSTRAINT "${HISTORY_TABLE}_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "${HISTORY_TABLE}_s_idx" ON ${QUALIFIED} ("success");
`;

const historyRow = z.object({
  installed_rank: z.number().int(),
  version: z.string().nullable(),
  description: z.string(),
  type: z.string(),
  script: z.string(),
  checksum: z.number().int().nullable(),
  installed_by: z.string(),
  // As text: the column is a TIMESTAMP without time zone, and turning it into
  // a Date would silently reinterpret it in this process's time zone.
  installed_on: z.string(),
  execution_time: z.number().int(),
  success: z.boolean(),
});

export interface HistoryRow {
  readonly installedRank: number;
  readonly version: string | null;
  readonly description: string;
  readonly type: string;
  readonly script: string;
  readonly checksum: number | null;
  readonly installedBy: string;
  /** `YYYY-MM-DD HH:MI:SS.ffffff` as stored (the session time zone of the migrator). */
  readonly installedOn: string;
  readonly executionTime: number;
  readonly success: boolean;
}

export async function historyTableExists(db: Queryable): Promise<boolean> {
  const result = await db.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [QUALIFIED]);
  return z.object({ present: z.boolean() }).parse(result.rows[0]).present;
}

/** Call under the migration lock: two migrators must not both create it. */
export async function createHistoryTable(db: Queryable): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(CREATE_HISTORY_TABLE);
    await db.query('COMMIT');
  } catch (error) {
    await db.query('ROLLBACK');
    throw error;
  }
}

/** Every row in order of application; none when the table does not exist yet. */
export async function readHistory(db: Queryable): Promise<HistoryRow[]> {
  if (!(await historyTableExists(db))) return [];
  const result = await db.query(
    `SELECT installed_rank, version, description, type, script, checksum, installed_by,
            installed_on::text AS installed_on, execution_time, success
       FROM ${QUALIFIED}
      ORDER BY installed_rank`,
  );
  return result.rows.map((raw: unknown) => {
    const row = historyRow.parse(raw);
    return {
      installedRank: row.installed_rank,
      version: row.version,
      description: row.description,
      type: row.type,
      script: row.script,
      checksum: row.checksum,
      installedBy: row.installed_by,
      installedOn: row.installed_on,
      executionTime: row.execution_time,
      success: row.success,
    };
  });
}

export interface NewHistoryRow {
  readonly version: string;
  readonly description: string;
  readonly script: string;
  readonly checksum: number;
  readonly executionTime: number;
}

/**
 * Records a successful SQL migration; call it inside the migration's own
 * transaction, under the lock, which is what makes max + 1 a safe rank.
 */
export async function insertHistoryRow(db: Queryable, row: NewHistoryRow): Promise<number> {
  const result = await db.query(
    `INSERT INTO ${QUALIFIED}
            (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
     SELECT coalesce(max(installed_rank), 0) + 1, $1, $2, 'SQL', $3, $4, current_user, $5, true
       FROM ${QUALIFIED}
     RETURNING installed_rank`,
    [row.version, row.description, row.script, row.checksum, row.executionTime],
  );
  return z.object({ installed_rank: z.number().int() }).parse(result.rows[0]).installed_rank;
}
