// Compares the migration files with the history table: the state of every
// migration (what `info` shows) and the problems that stop `migrate`.
import { readMigrationFiles, type MigrationFile } from './migration-files.ts';
import { defaultLocations, type MigratorOptions } from './defaults.ts';
import { MigrationError, ValidationError, type ValidationIssue } from './errors.ts';
import { readHistory, type HistoryRow } from './history-table.ts';
import { withConnection } from './connection.ts';
import { toLogger } from './logger.ts';
import { compareVersions, parseVersion, type MigrationVersion } from './version.ts';

export const MIGRATION_STATES = [
  'applied',
  'pending',
  'missing',
  'checksum-mismatch',
  'out-of-order',
  'failed',
] as const;
export type MigrationState = (typeof MIGRATION_STATES)[number];

export interface MigrationStatus {
  readonly version: string;
  readonly description: string;
  readonly type: string;
  readonly script: string;
  readonly state: MigrationState;
  /** The file's checksum; null when the file is missing. */
  readonly checksum: number | null;
  /** The checksum recorded when it was applied; null when not applied. */
  readonly appliedChecksum: number | null;
  readonly installedRank: number | null;
  readonly installedOn: string | null;
  readonly installedBy: string | null;
  readonly executionTimeMs: number | null;
}

/**
 * Every versioned migration, applied ones in order of application, then the
 * files not yet applied in version order. History rows without a version
 * (Flyway's repeatable and marker rows) are not versioned migrations.
 */
export function resolveStatuses(
  files: readonly MigrationFile[],
  history: readonly HistoryRow[],
): MigrationStatus[] {
  const versioned = history.flatMap((row) =>
    row.version === null ? [] : [{ row, version: historyVersion(row) }],
  );
  const highestApplied = versioned
    .filter(({ row }) => row.success)
    .reduce<MigrationVersion | undefined>(
      (highest, { version }) =>
        !highest || compareVersions(version, highest) > 0 ? version : highest,
      undefined,
    );
  const statuses: MigrationStatus[] = versioned.map(({ row, version }) => {
    const file = files.find((candidate) => compareVersions(candidate.version, version) === 0);
    const state: MigrationState = !row.success
      ? 'failed'
      : !file
        ? 'missing'
        : file.checksum !== row.checksum
          ? 'checksum-mismatch'
          : 'applied';
    return {
      version: row.version ?? version.text,
      description: row.description,
      type: row.type,
      script: row.script,
      state,
      checksum: file?.checksum ?? null,
      appliedChecksum: row.checksum,
      installedRank: row.installedRank,
      installedOn: row.installedOn,
      installedBy: row.installedBy,
      executionTimeMs: row.executionTime,
    };
  });
  for (const file of files) {
    if (versioned.some(({ version }) => compareVersions(version, file.version) === 0)) continue;
    const late = highestApplied !== undefined && compareVersions(file.version, highestApplied) < 0;
    statuses.push({
      version: file.version.text,
      description: file.description,
      type: 'SQL',
      script: file.script,
      state: late ? 'out-of-order' : 'pending',
      checksum: file.checksum,
      appliedChecksum: null,
      installedRank: null,
      installedOn: null,
      installedBy: null,
      executionTimeMs: null,
    });
  }
  return statuses;
}

/** What `validate` reports; empty when files and history agree. */
export function validationIssues(statuses: readonly MigrationStatus[]): ValidationIssue[] {
  const top = highestAppliedVersion(statuses);
  return statuses.flatMap((status): ValidationIssue[] => {
    const { script, version } = status;
    switch (status.state) {
      case 'checksum-mismatch':
        return [
          {
            code: 'CHECKSUM_MISMATCH',
            script,
            version,
            message:
              `checksum mismatch for ${script} (version ${version}): applied ${status.appliedChecksum}, ` +
              `file now ${status.checksum}; an applied migration must never be edited, add a new version instead`,
          },
        ];
      case 'missing':
        return [
          {
            code: 'MISSING_FILE',
            script,
            version,
            message:
              `${script} (version ${version}, checksum ${status.appliedChecksum}) was applied ` +
              `but its file is not in the migration locations`,
          },
        ];
      case 'out-of-order':
        return [
          {
            code: 'OUT_OF_ORDER',
            script,
            version,
            message:
              `${script} (version ${version}) is pending but version ${top} is already applied; ` +
              `give it a version above ${top}`,
          },
        ];
      case 'failed':
        return [
          {
            code: 'FAILED_IN_HISTORY',
            script,
            version,
            message: `the history records a failed migration ${script} (version ${version}); repair the history first`,
          },
        ];
      case 'applied':
      case 'pending':
        return [];
    }
  });
}

export function assertValid(statuses: readonly MigrationStatus[]): void {
  const [first, ...rest] = validationIssues(statuses);
  if (first) throw new ValidationError([first, ...rest]);
}

export interface ValidateResult {
  readonly applied: number;
  readonly pending: number;
}

/** Throws a `ValidationError` when the database's history and the files disagree. */
export async function validate(options: MigratorOptions): Promise<ValidateResult> {
  const log = toLogger(options.log);
  const files = await readMigrationFiles(options.locations ?? defaultLocations);
  const history = await withConnection(options.url, log, (client) => readHistory(client));
  const statuses = resolveStatuses(files, history);
  assertValid(statuses);
  const result = {
    applied: statuses.filter((status) => status.state === 'applied').length,
    pending: statuses.filter((status) => status.state === 'pending').length,
  };
  log.info('migrations validated', { ...result });
  return result;
}

/** The newest version the history records as applied (successfully). */
export function highestAppliedVersion(statuses: readonly MigrationStatus[]): string | undefined {
  let highest: MigrationVersion | undefined;
  for (const status of statuses) {
    if (status.installedRank === null || status.state === 'failed') continue;
    const version = parseVersion(status.version);
    if (version && (!highest || compareVersions(version, highest) > 0)) highest = version;
  }
  return highest?.text;
}

function historyVersion(row: HistoryRow): MigrationVersion {
  const version = parseVersion(row.version ?? '');
  if (!version) {
    throw new MigrationError(
      'INVALID_HISTORY',
      `flyway_schema_history row ${row.installedRank} (${row.script}) has version "${row.version}", which is not a version`,
    );
  }
  return version;
}
