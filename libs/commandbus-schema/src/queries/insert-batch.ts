// The producer's insert of a batch row (status PENDING, counters at zero).
import { sql, type CommonQueryMethods } from 'slonik';
import { batchRecordSchema, batchRowSchema, type BatchRow } from '../rows.ts';
import {
  assertDomain,
  assertInteger,
  assertOptionalJsonObject,
  assertOptionalString,
  assertUuid,
} from '../validation.ts';

export interface InsertBatchInput {
  readonly domain: string;
  readonly batchId: string;
  readonly name?: string | null;
  readonly customData?: Readonly<Record<string, unknown>> | null;
  /** The number of commands the batch will hold; its completion is counted against it. */
  readonly totalCount: number;
}

/** An existing (domain, batch_id) is an error (slonik's UniqueIntegrityConstraintViolationError). */
export async function insertBatch(
  db: CommonQueryMethods,
  input: InsertBatchInput,
): Promise<BatchRow> {
  assertDomain(input.domain);
  assertUuid('batchId', input.batchId);
  assertOptionalString('name', input.name);
  assertOptionalJsonObject('customData', input.customData);
  assertInteger('totalCount', input.totalCount, { min: 0 });

  const row = await db.one(sql.type(batchRecordSchema)`
    INSERT INTO commandbus.batch (domain, batch_id, name, custom_data, total_count)
    VALUES (
      ${input.domain},
      ${input.batchId}::uuid,
      ${input.name ?? null},
      ${input.customData == null ? null : JSON.stringify(input.customData)}::jsonb,
      ${input.totalCount}
    )
    RETURNING *
  `);
  return batchRowSchema.parse(row);
}
