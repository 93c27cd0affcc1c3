// Failures of the migrator as classes with a stable `code`, so callers (the
// CLI, deploy scripts, tests) branch on the kind of failure, never on message text.
import { CommandBusError } from '@commandbus/errors';

export const MIGRATION_ERROR_CODES = [
  'LOCATION_NOT_FOUND',
  'INVALID_FILE_NAME',
  'DUPLICATE_VERSION',
  'CHECKSUM_MISMATCH',
  'MISSING_FILE',
  'OUT_OF_ORDER',
  'FAILED_IN_HISTORY',
  'INVALID_HISTORY',
  'MIGRATION_FAILED',
  'CONNECTION_FAILED',
] as const;
export type MigrationErrorCode = (typeof MIGRATION_ERROR_CODES)[number];

export class MigrationError extends CommandBusError<MigrationErrorCode> {}

/** A file in a location that is not `V<version>__<description>.sql`. */
export class InvalidFileNameError extends MigrationError {
  readonly file: string;

  constructor(file: string, location: string) {
    super(
      'INVALID_FILE_NAME',
      `${file} in ${location} is not a migration file name: expected V<version>__<description>.sql ` +
        `(version digits separated by "." or "_", two underscores before the description)`,
    );
    this.file = file;
  }
}

/** One thing `validate` found wrong; `ValidationError` carries all of them. */
export interface ValidationIssue {
  readonly code: 'CHECKSUM_MISMATCH' | 'MISSING_FILE' | 'OUT_OF_ORDER' | 'FAILED_IN_HISTORY';
  readonly script: string;
  readonly version: string;
  readonly message: string;
}

/**
 * The history and the files disagree. `code` is the first issue's code (the
 * one a caller usually branches on); `issues` lists every one found.
 */
export class ValidationError extends MigrationError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly [ValidationIssue, ...ValidationIssue[]]) {
    super(issues[0].code, `validation failed: ${issues.map((issue) => issue.message).join('; ')}`);
    this.issues = issues;
  }
}

/** A migration file's SQL failed; its transaction (file + history row) was rolled back. */
export class MigrationFailedError extends MigrationError {
  readonly script: string;
  /** PostgreSQL's own message. */
  readonly databaseMessage: string;
  readonly sqlState: string | undefined;
  /** 1-based character offset into the file (after the BOM), as PostgreSQL reports it. */
  readonly position: number | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(fields: {
    script: string;
    databaseMessage: string;
    sqlState: string | undefined;
    position: number | undefined;
    line: number | undefined;
    column: number | undefined;
    context: string | undefined;
    cause: unknown;
  }) {
    const where =
      fields.position === undefined
        ? ''
        : ` at line ${fields.line}, column ${fields.column} (position ${fields.position})`;
    const state = fields.sqlState ? ` [SQLSTATE ${fields.sqlState}]` : '';
    const context = fields.context ? ` (context: ${fields.context.replaceAll('\n', ' / ')})` : '';
    super(
      'MIGRATION_FAILED',
      `migration ${fields.script} failed${where}: ${fields.databaseMessage}${state}${context}; ` +
        `its changes were rolled back, earlier migrations stay applied`,
      { cause: fields.cause },
    );
    this.script = fields.script;
    this.databaseMessage = fields.databaseMessage;
    this.sqlState = fields.sqlState;
    this.position = fields.position;
    this.line = fields.line;
    this.column = fields.column;
  }
}
