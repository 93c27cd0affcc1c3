// sp_tsq_retry: batch bookkeeping when an operator re-enqueues a troubleshooting item.
import type { CommonQueryMethods } from 'slonik';
import { batchArguments, type BatchRefInput } from './batch-input.ts';
import { callBooleanProcedure } from './call.ts';

/** Takes one command out of in-troubleshooting; always false (a retry never completes a batch). */
export async function tsqRetry(db: CommonQueryMethods, input: BatchRefInput): Promise<boolean> {
  return callBooleanProcedure(db, 'tsqRetry', batchArguments(input));
}
