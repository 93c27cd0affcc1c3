// Options shared by migrate, validate and info, with their defaults in one place.
import { schemaSqlDir } from '@commandbus/commandbus-schema';
import type { MigrationLog } from './logger.ts';

/** The schema lib's Flyway location (`libs/commandbus-schema/sql`). */
export const defaultLocations: readonly string[] = [schemaSqlDir];

export interface MigratorOptions {
  /** PostgreSQL connection URL. */
  readonly url: string;
  /** Flyway locations (directories, `filesystem:` prefix allowed). Default: `defaultLocations`. */
  readonly locations?: readonly string[];
  /** A `(event) => void` callback or a pino-compatible logger. Default: silent. */
  readonly log?: MigrationLog;
}
