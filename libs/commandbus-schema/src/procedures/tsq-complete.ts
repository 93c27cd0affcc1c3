// sp_tsq_complete: batch bookkeeping when an operator completes a troubleshooting item.
import type { CommonQueryMethods } from 'slonik';
import { batchArguments, type BatchRefInput } from './batch-input.ts';
import { callBooleanProcedure } from './call.ts';

/**
 * Moves one command from in-troubleshooting to completed; true when that
 * completed the batch. Call it in the operator's transaction that locked the
 * command row and checked it is IN_TROUBLESHOOTING_QUEUE.
 */
export async function tsqComplete(db: CommonQueryMethods, input: BatchRefInput): Promise<boolean> {
  return callBooleanProcedure(db, 'tsqComplete', batchArguments(input));
}
