// The session advisory lock that serialises migrators: two started at once
// never both apply a file. The key is the one Flyway's PostgreSQL support
// derives for this history table, so this migrator and real Flyway exclude
// each other too (advisory session and transaction locks share one key space).
import type { Logger } from './logger.ts';
import type { Queryable } from './history-table.ts';

/** java.lang.String#hashCode: s[0]*31^(n-1) + ... + s[n-1] in 32-bit int arithmetic. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  }
  return hash;
}

/**
 * Flyway: `77431708279161L + table.toString().hashCode()`, where the table
 * prints as `"public"."flyway_schema_history"`.
 */
export const MIGRATION_LOCK_KEY: bigint =
  77431708279161n + BigInt(javaStringHashCode('"public"."flyway_schema_history"'));

/**
 * Runs `work` holding the lock, waiting as long as another migrator holds it.
 * A session lock (not a transaction lock) because each migration commits on
 * its own while the lock must span them all.
 */
export async function withMigrationLock<T>(
  db: Queryable,
  log: Logger,
  work: () => Promise<T>,
): Promise<T> {
  const key = MIGRATION_LOCK_KEY.toString();
  log.debug('waiting for the migration lock', { lockKey: key });
  await db.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  log.debug('migration lock acquired', { lockKey: key });
  try {
    return await work();
  } finally {
    try {
      await db.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
    } catch (error) {
      // The lock belongs to the session: closing the connection (which the
      // caller does next) releases it, so this must not hide `work`'s outcome.
      log.warn('could not release the migration lock; closing the connection releases it', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
