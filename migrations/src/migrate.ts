// `migrate`: under the migration lock, bring the database up to the newest
// file, one transaction per file, after validating what is already applied.
import { applyMigration, type AppliedMigration } from './apply-migration.ts';
import { withMigrationLock } from './advisory-lock.ts';
import { withConnection } from './connection.ts';
import { defaultLocations, type MigratorOptions } from './defaults.ts';
import { createHistoryTable, historyTableExists, readHistory } from './history-table.ts';
import { toLogger } from './logger.ts';
import { readMigrationFiles } from './migration-files.ts';
import { assertValid, highestAppliedVersion, resolveStatuses } from './validate.ts';

export interface MigrateResult {
  /** What this call applied, in order; empty when nothing was pending. */
  readonly applied: readonly AppliedMigration[];
  /** True when the schema was already up to date (nothing to apply). */
  readonly upToDate: boolean;
  /** The newest applied version after the run, or null for an empty history. */
  readonly currentVersion: string | null;
}

export async function migrate(options: MigratorOptions): Promise<MigrateResult> {
  const log = toLogger(options.log);
  // Files first: a badly named file fails the run before it touches the database.
  const files = await readMigrationFiles(options.locations ?? defaultLocations);
  return withConnection(options.url, log, (client) =>
    withMigrationLock(client, log, async () => {
      if (!(await historyTableExists(client))) {
        await createHistoryTable(client);
        log.info('created the schema history table', { table: 'public.flyway_schema_history' });
      }
      // Read under the lock: whatever another migrator applied while this
      // one waited is already in the history and is not applied again.
      const statuses = resolveStatuses(files, await readHistory(client));
      assertValid(statuses);
      const pendingScripts = new Set(
        statuses.filter((status) => status.state === 'pending').map((s) => s.script),
      );
      const applied: AppliedMigration[] = [];
      for (const file of files.filter((candidate) => pendingScripts.has(candidate.script))) {
        applied.push(await applyMigration(client, file, log));
      }
      const currentVersion = applied.at(-1)?.version ?? highestAppliedVersion(statuses) ?? null;
      if (applied.length === 0) log.info('schema is up to date', { currentVersion });
      else log.info('migrations applied', { count: applied.length, currentVersion });
      return { applied, upToDate: applied.length === 0, currentVersion };
    }),
  );
}
