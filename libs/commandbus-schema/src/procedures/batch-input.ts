// The input shared by the procedures that take (p_domain, p_batch_id).
import { assertDomain, assertOptionalUuid } from '../validation.ts';

export interface BatchRefInput {
  readonly domain: string;
  /** NULL: the command has no batch; the procedure returns false. */
  readonly batchId: string | null;
}

export function batchArguments(input: BatchRefInput): {
  p_domain: string;
  p_batch_id: string | null;
} {
  assertDomain(input.domain);
  assertOptionalUuid('batchId', input.batchId);
  return { p_domain: input.domain, p_batch_id: input.batchId ?? null };
}
