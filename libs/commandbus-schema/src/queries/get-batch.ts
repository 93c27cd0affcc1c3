// One batch with its counters and status.
import { sql, type CommonQueryMethods } from 'slonik';
import { batchRecordSchema, batchRowSchema, type BatchRow } from '../rows.ts';
import { assertDomain, assertUuid } from '../validation.ts';

export interface BatchKeyInput {
  readonly domain: string;
  readonly batchId: string;
}

export async function getBatch(
  db: CommonQueryMethods,
  input: BatchKeyInput,
): Promise<BatchRow | null> {
  assertDomain(input.domain);
  assertUuid('batchId', input.batchId);
  const row = await db.maybeOne(sql.type(batchRecordSchema)`
    SELECT * FROM commandbus.batch
     WHERE domain = ${input.domain} AND batch_id = ${input.batchId}::uuid
  `);
  return row === null ? null : batchRowSchema.parse(row);
}
