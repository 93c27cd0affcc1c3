// The operator's batch listing: optional filters, newest first, paged.
import { sql, type CommonQueryMethods, type FragmentSqlToken } from 'slonik';
import type { BatchStatus } from '../model.ts';
import { batchRecordSchema, batchRowSchema, type BatchRow } from '../rows.ts';
import { assertBatchStatus, assertDomain, assertPage } from '../validation.ts';
import { whereAll } from './where-all.ts';

export interface ListBatchesInput {
  readonly domain?: string;
  readonly status?: BatchStatus;
  /** 1 to MAX_PAGE_SIZE. */
  readonly limit: number;
  readonly offset: number;
}

export async function listBatches(
  db: CommonQueryMethods,
  input: ListBatchesInput,
): Promise<BatchRow[]> {
  const conditions: FragmentSqlToken[] = [];
  if (input.domain !== undefined) {
    assertDomain(input.domain);
    conditions.push(sql.fragment`domain = ${input.domain}`);
  }
  if (input.status !== undefined) {
    assertBatchStatus('status', input.status);
    conditions.push(sql.fragment`status = ${input.status}`);
  }
  assertPage(input.limit, input.offset);

  const rows = await db.any(sql.type(batchRecordSchema)`
    SELECT * FROM commandbus.batch
    ${whereAll(conditions)}
    ORDER BY created_at DESC, batch_id
    LIMIT ${input.limit} OFFSET ${input.offset}
  `);
  return rows.map((row) => batchRowSchema.parse(row));
}
