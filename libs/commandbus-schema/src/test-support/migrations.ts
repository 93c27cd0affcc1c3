// The schema's migration texts, read once, for test databases.
import { readSchemaMigrations } from '../sql-dir.ts';

/** Every migration's SQL in version order: `useTestDatabase({ setupSql: schemaSql })`. */
export const schemaSql: readonly string[] = readSchemaMigrations().map((m) => m.sql);
