// Reads flyway_schema_history straight from the catalog for assertions,
// independently of the migrator's own reader.
import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

export const historyRowSchema = z.object({
  installed_rank: z.number(),
  version: z.string().nullable(),
  description: z.string(),
  type: z.string(),
  script: z.string(),
  checksum: z.number().nullable(),
  installed_by: z.string(),
  installed_on: z.string(),
  execution_time: z.number(),
  success: z.boolean(),
});

export async function historyRows(pool: DatabasePool) {
  return pool.any(
    sql.type(historyRowSchema)`
      SELECT installed_rank, version, description, type, script, checksum, installed_by,
             installed_on::text AS installed_on, execution_time, success
        FROM public.flyway_schema_history ORDER BY installed_rank`,
  );
}

/** Each applied migration as `[rank, version, description, script, checksum, success]`. */
export async function recordedMigrations(pool: DatabasePool) {
  return (await historyRows(pool)).map((row) => [
    row.installed_rank,
    row.version,
    row.description,
    row.script,
    row.checksum,
    row.success,
  ]);
}

export async function tableExists(pool: DatabasePool, qualifiedName: string): Promise<boolean> {
  return pool.oneFirst(
    sql.type(
      z.object({ present: z.boolean() }),
    )`SELECT to_regclass(${qualifiedName}) IS NOT NULL AS present`,
  );
}
