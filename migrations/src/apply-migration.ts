// Applies one migration file: its SQL and its history row in one transaction,
// so a file is either wholly applied and recorded, or not at all.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { MigrationFailedError } from './errors.ts';
import { insertHistoryRow } from './history-table.ts';
import type { Logger } from './logger.ts';
import type { MigrationFile } from './migration-files.ts';

export interface AppliedMigration {
  readonly version: string;
  readonly description: string;
  readonly script: string;
  readonly checksum: number;
  readonly installedRank: number;
  readonly executionTimeMs: number;
}

export async function applyMigration(
  client: pg.ClientBase,
  file: MigrationFile,
  log: Logger,
): Promise<AppliedMigration> {
  const fields = { version: file.version.text, script: file.script };
  log.info('applying migration', fields);
  // A file may `SET search_path` for its own convenience; like Flyway, the
  // next file starts from the session's original settings again.
  const searchPath = await client.query<{ search_path: string }>(
    `SELECT current_setting('search_path') AS search_path`,
  );
  const originalSearchPath = searchPath.rows[0]?.search_path ?? '';
  await client.query('BEGIN');
  let applied: AppliedMigration;
  try {
    const started = performance.now();
    // No parameters: node-postgres then uses the simple query protocol, which
    // runs the whole multi-statement file (dollar-quoted bodies included).
    await client.query(file.sql);
    const executionTimeMs = Math.round(performance.now() - started);
    const installedRank = await insertHistoryRow(client, {
      version: file.version.text,
      description: file.description,
      script: file.script,
      checksum: file.checksum,
      executionTime: executionTimeMs,
    });
    await client.query('COMMIT');
    applied = {
      ...fields,
      description: file.description,
      checksum: file.checksum,
      installedRank,
      executionTimeMs,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) =>
      // Only when the connection itself is gone, and then the server has
      // rolled the transaction back already; the file's error is the news.
      log.warn('rollback failed', { ...fields, error: String(rollbackError) }),
    );
    throw failure(file, error);
  }
  await client.query(`SELECT set_config('search_path', $1, false)`, [originalSearchPath]);
  log.info('applied migration', {
    ...fields,
    installedRank: applied.installedRank,
    executionTimeMs: applied.executionTimeMs,
  });
  return applied;
}

function failure(file: MigrationFile, error: unknown): MigrationFailedError {
  const db = error as Partial<pg.DatabaseError> & { message?: string };
  const position = db.position === undefined ? undefined : Number(db.position);
  const where =
    position === undefined || !Number.isFinite(position)
      ? undefined
      : lineAndColumn(file.sql, position);
  return new MigrationFailedError({
    script: file.script,
    databaseMessage: db.message ?? String(error),
    sqlState: db.code,
    position: where ? position : undefined,
    line: where?.line,
    column: where?.column,
    context: db.where,
    cause: error,
  });
}

/**
 * PostgreSQL's `position` counts characters (code points, 1-based) from the
 * start of the query text, i.e. of the file without its BOM.
 */
export function lineAndColumn(sql: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let seen = 0;
  let previous = '';
  for (const char of sql) {
    seen += 1;
    if (seen >= position) break;
    if (char === '\n' && previous === '\r') {
      // second half of a CRLF: the line was already counted at the CR
    } else if (char === '\n' || char === '\r') {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
    previous = char;
  }
  return { line, column };
}
