// Public API of the Flyway-compatible migrator (see docs/migrations.md).
export { migrate } from './migrate.ts';
export type { MigrateResult } from './migrate.ts';
export { validate, resolveStatuses, validationIssues, MIGRATION_STATES } from './validate.ts';
export type { ValidateResult, MigrationStatus, MigrationState } from './validate.ts';
export { info } from './info.ts';
export type { AppliedMigration } from './apply-migration.ts';
export { flywayChecksum } from './checksum.ts';
export { parseVersion, compareVersions } from './version.ts';
export type { MigrationVersion } from './version.ts';
export { readMigrationFiles, parseMigrationFileName } from './migration-files.ts';
export type { MigrationFile } from './migration-files.ts';
export { readHistory, HISTORY_SCHEMA, HISTORY_TABLE } from './history-table.ts';
export type { HistoryRow } from './history-table.ts';
export { MIGRATION_LOCK_KEY } from './advisory-lock.ts';
export { defaultLocations } from './defaults.ts';
export type { MigratorOptions } from './defaults.ts';
export {
  MigrationError,
  InvalidFileNameError,
  ValidationError,
  MigrationFailedError,
  MIGRATION_ERROR_CODES,
} from './errors.ts';
export type { MigrationErrorCode, ValidationIssue } from './errors.ts';
export type {
  MigrationLog,
  MigrationLogEvent,
  LogCallback,
  PinoCompatibleLogger,
  LogLevel,
} from './logger.ts';
