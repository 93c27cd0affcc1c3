// sp_update_batch_counters: the one place batch counters change.
import type { CommonQueryMethods } from 'slonik';
import type { BatchUpdateType } from '../model.ts';
import { assertBatchUpdateType, assertDomain, assertOptionalUuid } from '../validation.ts';
import { callBooleanProcedure } from './call.ts';

export interface UpdateBatchCountersInput {
  readonly domain: string;
  /** NULL: no batch, nothing to count (false). */
  readonly batchId: string | null;
  readonly updateType: BatchUpdateType;
}

/**
 * True exactly when this update completed the batch. A counter that would go
 * below zero, or an unknown batch, throws StoredProcedureError
 * (BATCH_COUNTER_UNDERFLOW, BATCH_NOT_FOUND).
 */
export async function updateBatchCounters(
  db: CommonQueryMethods,
  input: UpdateBatchCountersInput,
): Promise<boolean> {
  assertDomain(input.domain);
  assertOptionalUuid('batchId', input.batchId);
  assertBatchUpdateType('updateType', input.updateType);
  return callBooleanProcedure(db, 'updateBatchCounters', {
    p_domain: input.domain,
    p_batch_id: input.batchId ?? null,
    p_update_type: input.updateType,
  });
}
