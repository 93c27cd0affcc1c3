// The commands page: every filter optional, newest first, keyset paging on
// (created_at, command_id). Without a status filter the query is one branch
// per status, each an ordered scan of ix_command_status_created that stops
// after a page, merged: V001 has no index on created_at alone.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { COMMAND_STATUSES } from '@commandbus/commandbus/internals';
import { decodeCursor, type CommandFilter } from '../filters.ts';
import {
  commandSummaryColumns,
  commandSummaryRecord,
  toCommandSummary,
  type CommandSummary,
} from './command-summary.ts';
import { cutPage, sortAtSql } from './keyset-page.ts';

export interface CommandPage {
  readonly items: readonly CommandSummary[];
  /** Pass as `after` for the next page; null on the last one. */
  readonly next: string | null;
}

const rowSchema = commandSummaryRecord.extend({ sort_at: z.string() });

export async function listCommandPage(
  db: CommonQueryMethods,
  filter: CommandFilter,
  pageSize: number,
): Promise<CommandPage> {
  const limit = filter.limit ?? pageSize;
  const conditions: FragmentSqlToken[] = [];
  if (filter.domain !== undefined) conditions.push(sql.fragment`c.domain = ${filter.domain}`);
  if (filter.type !== undefined) conditions.push(sql.fragment`c.command_type = ${filter.type}`);
  if (filter.id !== undefined) conditions.push(sql.fragment`c.command_id = ${filter.id}::uuid`);
  if (filter.correlation !== undefined) {
    conditions.push(sql.fragment`c.correlation_id = ${filter.correlation}::uuid`);
  }
  if (filter.batch !== undefined) {
    // ix_command_batch leads with domain: find the batch's domains first.
    conditions.push(sql.fragment`(c.domain, c.batch_id) IN (
      SELECT b.domain, b.batch_id FROM commandbus.batch AS b WHERE b.batch_id = ${filter.batch}::uuid)`);
  }
  if (filter.from !== undefined) {
    conditions.push(sql.fragment`c.created_at >= ${filter.from.toISOString()}::timestamptz`);
  }
  if (filter.to !== undefined) {
    conditions.push(sql.fragment`c.created_at < ${filter.to.toISOString()}::timestamptz`);
  }
  const cursor = decodeCursor(filter.after);
  if (cursor) {
    // The first bound lets the index range scan stop; the second breaks ties.
    conditions.push(sql.fragment`c.created_at <= ${cursor.at}::timestamptz`);
    conditions.push(
      sql.fragment`(c.created_at, c.command_id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  const statuses = filter.status === undefined ? COMMAND_STATUSES : [filter.status];
  const branches = statuses.map(
    (status) => sql.fragment`(
      SELECT ${commandSummaryColumns},
             ${sortAtSql(sql.fragment`c.created_at`)}
        FROM commandbus.command AS c
       WHERE ${sql.join([sql.fragment`c.status = ${status}`, ...conditions], sql.fragment` AND `)}
       ORDER BY c.created_at DESC, c.command_id DESC
       LIMIT ${limit + 1})`,
  );
  const raw = await db.any(sql.type(rowSchema)`
    SELECT * FROM (${sql.join(branches, sql.fragment` UNION ALL `)}) AS page
     ORDER BY created_at DESC, command_id DESC
     LIMIT ${limit + 1}
  `);
  // slonik checks rows against sql.type only with a result parser installed:
  // parse here, so bigint and timestamp columns come out the same on any pool.
  const rows = raw.map((row) => rowSchema.parse(row));
  const { items, next } = cutPage(rows, limit, (row) => row.command_id);
  return { items: items.map(toCommandSummary), next };
}
