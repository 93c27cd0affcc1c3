// sp_start_batch: PENDING -> IN_PROGRESS, once (sp_receive_command calls it too).
import type { CommonQueryMethods } from 'slonik';
import { batchArguments, type BatchRefInput } from './batch-input.ts';
import { callBooleanProcedure } from './call.ts';

/** True only for the call that made the transition. */
export async function startBatch(db: CommonQueryMethods, input: BatchRefInput): Promise<boolean> {
  return callBooleanProcedure(db, 'startBatch', batchArguments(input));
}
