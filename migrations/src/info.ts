// `info`: every migration with its state, for people (a table) and machines
// (JSON). Unlike `validate` it reports disagreements instead of failing on them.
import { withConnection } from './connection.ts';
import { defaultLocations, type MigratorOptions } from './defaults.ts';
import { readHistory } from './history-table.ts';
import { toLogger } from './logger.ts';
import { readMigrationFiles } from './migration-files.ts';
import { resolveStatuses, type MigrationStatus } from './validate.ts';

export async function info(options: MigratorOptions): Promise<MigrationStatus[]> {
  const log = toLogger(options.log);
  const files = await readMigrationFiles(options.locations ?? defaultLocations);
  const history = await withConnection(options.url, log, (client) => readHistory(client));
  return resolveStatuses(files, history);
}
