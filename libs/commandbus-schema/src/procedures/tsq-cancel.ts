// sp_tsq_cancel: batch bookkeeping when an operator cancels a troubleshooting item.
import type { CommonQueryMethods } from 'slonik';
import { batchArguments, type BatchRefInput } from './batch-input.ts';
import { callBooleanProcedure } from './call.ts';

/**
 * Moves one command from in-troubleshooting to canceled; true when that
 * completed the batch (as COMPLETED_WITH_FAILURES). Same transaction rules as tsqComplete.
 */
export async function tsqCancel(db: CommonQueryMethods, input: BatchRefInput): Promise<boolean> {
  return callBooleanProcedure(db, 'tsqCancel', batchArguments(input));
}
