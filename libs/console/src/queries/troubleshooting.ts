// The troubleshooting page: one domain's items, oldest arrival first (a
// command's updated_at is when it entered the queue; nothing changes it
// there), keyset paging, a bounded count, and the ids a bulk action takes.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import {
  decodeCursor,
  type TroubleshootingFilter,
  type TroubleshootingListFilter,
} from '../filters.ts';
import { boundedCount, boundedCountSql, type BoundedCount } from './bounded-count.ts';
import {
  commandSummaryColumns,
  commandSummaryRecord,
  toCommandSummary,
  type CommandSummary,
} from './command-summary.ts';
import { cutPage, sortAtSql } from './keyset-page.ts';

const IN_TROUBLESHOOTING = 'IN_TROUBLESHOOTING_QUEUE';

export interface TroubleshootingPage {
  readonly items: readonly CommandSummary[];
  readonly next: string | null;
  /** Items matching the filter on every page, up to the cap. */
  readonly total: BoundedCount;
}

function conditions(filter: TroubleshootingFilter): FragmentSqlToken {
  const all: FragmentSqlToken[] = [
    sql.fragment`c.status = ${IN_TROUBLESHOOTING}`,
    sql.fragment`c.domain = ${filter.domain}`,
  ];
  if (filter.type !== undefined) all.push(sql.fragment`c.command_type = ${filter.type}`);
  if (filter.batch !== undefined) all.push(sql.fragment`c.batch_id = ${filter.batch}::uuid`);
  if (filter.code !== undefined) all.push(sql.fragment`c.last_error_code = ${filter.code}`);
  return sql.fragment`${sql.join(all, sql.fragment` AND `)}`;
}

const rowSchema = commandSummaryRecord.extend({ sort_at: z.string() });
const countRow = z.object({ n: z.number() });

export async function listTroubleshootingPage(
  db: CommonQueryMethods,
  filter: TroubleshootingListFilter,
  options: { readonly pageSize: number; readonly cap: number },
): Promise<TroubleshootingPage> {
  const limit = filter.limit ?? options.pageSize;
  const where = conditions(filter);
  const cursor = decodeCursor(filter.after);
  const after = cursor
    ? sql.fragment`AND (c.updated_at, c.command_id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
    : sql.fragment``;
  const raw = await db.any(sql.type(rowSchema)`
    SELECT ${commandSummaryColumns},
           ${sortAtSql(sql.fragment`c.updated_at`)}
      FROM commandbus.command AS c
     WHERE ${where} ${after}
     ORDER BY c.updated_at, c.command_id
     LIMIT ${limit + 1}
  `);
  const rows = raw.map((row) => rowSchema.parse(row));
  const total = await db.one(
    sql.type(
      countRow,
    )`SELECT ${boundedCountSql(sql.fragment`commandbus.command AS c WHERE ${where}`, options.cap)} AS n`,
  );
  const { items, next } = cutPage(rows, limit, (row) => row.command_id);
  return {
    items: items.map(toCommandSummary),
    next,
    total: boundedCount(countRow.parse(total).n, options.cap),
  };
}

/** How many items match, up to the cap: what a bulk action's confirmation states. */
export async function countTroubleshooting(
  db: CommonQueryMethods,
  filter: TroubleshootingFilter,
  cap: number,
): Promise<BoundedCount> {
  const row = await db.one(
    sql.type(
      countRow,
    )`SELECT ${boundedCountSql(sql.fragment`commandbus.command AS c WHERE ${conditions(filter)}`, cap)} AS n`,
  );
  return boundedCount(countRow.parse(row).n, cap);
}

const idRow = z.object({ command_id: z.string() });

/** The ids of the (at most `cap`) oldest items matching the filter, as of now. */
export async function matchingTroubleshootingIds(
  db: CommonQueryMethods,
  filter: TroubleshootingFilter,
  cap: number,
): Promise<string[]> {
  const rows = await db.any(sql.type(idRow)`
    SELECT c.command_id FROM commandbus.command AS c
     WHERE ${conditions(filter)}
     ORDER BY c.updated_at, c.command_id
     LIMIT ${cap}
  `);
  return rows.map((row) => idRow.parse(row).command_id);
}
