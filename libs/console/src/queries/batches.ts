// The batches page: newest first, keyset paging on (created_at, batch_id)
// over ix_batch_created.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { BATCH_STATUSES } from '@commandbus/commandbus/internals';
import { decodeCursor, type BatchFilter } from '../filters.ts';
import { cutPage, sortAtSql } from './keyset-page.ts';

export interface BatchSummary {
  readonly domain: string;
  readonly batchId: string;
  readonly name: string | null;
  readonly status: (typeof BATCH_STATUSES)[number];
  readonly totalCount: number;
  readonly completedCount: number;
  readonly canceledCount: number;
  readonly inTroubleshootingCount: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
}

export interface BatchPage {
  readonly items: readonly BatchSummary[];
  readonly next: string | null;
}

const rowSchema = z.object({
  domain: z.string(),
  batch_id: z.string(),
  name: z.string().nullable(),
  status: z.enum(BATCH_STATUSES),
  total_count: z.number(),
  completed_count: z.number(),
  canceled_count: z.number(),
  in_troubleshooting_count: z.number(),
  created_at: z.coerce.date(),
  started_at: z.coerce.date().nullable(),
  completed_at: z.coerce.date().nullable(),
  sort_at: z.string(),
});

export async function listBatchPage(
  db: CommonQueryMethods,
  filter: BatchFilter,
  pageSize: number,
): Promise<BatchPage> {
  const limit = filter.limit ?? pageSize;
  const conditions: FragmentSqlToken[] = [sql.fragment`TRUE`];
  if (filter.domain !== undefined) conditions.push(sql.fragment`b.domain = ${filter.domain}`);
  if (filter.status !== undefined) conditions.push(sql.fragment`b.status = ${filter.status}`);
  const cursor = decodeCursor(filter.after);
  if (cursor) {
    conditions.push(
      sql.fragment`(b.created_at, b.batch_id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  const raw = await db.any(sql.type(rowSchema)`
    SELECT b.domain, b.batch_id, b.name, b.status, b.total_count, b.completed_count,
           b.canceled_count, b.in_troubleshooting_count, b.created_at, b.started_at,
           b.completed_at,
           ${sortAtSql(sql.fragment`b.created_at`)}
      FROM commandbus.batch AS b
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY b.created_at DESC, b.batch_id DESC
     LIMIT ${limit + 1}
  `);
  const rows = raw.map((row) => rowSchema.parse(row));
  const { items, next } = cutPage(rows, limit, (row) => row.batch_id);
  return {
    items: items.map((row) => ({
      domain: row.domain,
      batchId: row.batch_id,
      name: row.name,
      status: row.status,
      totalCount: row.total_count,
      completedCount: row.completed_count,
      canceledCount: row.canceled_count,
      inTroubleshootingCount: row.in_troubleshooting_count,
      createdAt: row.created_at,
      startedAt: row.started_at,
      completedAt: row.completed_at,
    })),
    next,
  };
}
