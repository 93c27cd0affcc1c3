// sp_fail_command: a transient failure; the command goes back to PENDING and
// its message comes back after the backoff.
import type { CommonQueryMethods } from 'slonik';
import { assertInteger, assertMsgId } from '../validation.ts';
import { assertCommandRef } from '../queries/command-ref.ts';
import { callBooleanProcedure } from './call.ts';
import { assertErrorFields } from './error-fields.ts';

export interface FailCommandInput {
  readonly domain: string;
  readonly commandId: string;
  readonly errorType: string | null;
  readonly errorCode: string | null;
  readonly errorMsg: string | null;
  /** The attempt that failed (recorded in the FAILED audit row). */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly msgId: number | null;
}

/** False when the command is unknown, terminal or in the troubleshooting queue (nothing written). */
export async function failCommand(
  db: CommonQueryMethods,
  input: FailCommandInput,
): Promise<boolean> {
  assertCommandRef(input);
  assertErrorFields(input);
  assertInteger('attempt', input.attempt, { min: 0 });
  assertInteger('maxAttempts', input.maxAttempts, { min: 1 });
  if (input.msgId !== null) assertMsgId('msgId', input.msgId);

  return callBooleanProcedure(db, 'failCommand', {
    p_domain: input.domain,
    p_command_id: input.commandId,
    p_error_type: input.errorType,
    p_error_code: input.errorCode,
    p_error_msg: input.errorMsg,
    p_attempt: input.attempt,
    p_max_attempts: input.maxAttempts,
    p_msg_id: input.msgId,
  });
}
