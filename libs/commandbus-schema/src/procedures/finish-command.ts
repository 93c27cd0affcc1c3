// sp_finish_command: a command's final state (or its move to the
// troubleshooting queue), counted once in its batch.
import type { CommonQueryMethods } from 'slonik';
import type { AuditEventType, FinishStatus } from '../model.ts';
import {
  assertAuditEventType,
  assertFinishStatus,
  assertOptionalJsonObject,
  assertOptionalUuid,
} from '../validation.ts';
import { assertCommandRef } from '../queries/command-ref.ts';
import { callBooleanProcedure } from './call.ts';
import { assertErrorFields } from './error-fields.ts';

export interface FinishCommandInput {
  readonly domain: string;
  readonly commandId: string;
  readonly status: FinishStatus;
  /** The audit row's type, e.g. COMPLETED or MOVED_TO_TROUBLESHOOTING_QUEUE. */
  readonly eventType: AuditEventType;
  /** NULL/omitted keeps the error recorded earlier. */
  readonly errorType?: string | null;
  readonly errorCode?: string | null;
  readonly errorMsg?: string | null;
  /** The audit row's details. */
  readonly details?: Readonly<Record<string, unknown>> | null;
  /** Optional cross-check: must be the command's own batch (StoredProcedureError otherwise). */
  readonly batchId?: string | null;
}

/**
 * Returns true exactly when this call completed the command's batch. A missing,
 * terminal or already-in-`status` command gets only the audit row (false).
 * Locks the command row, then its batch row: callers finishing several
 * commands of one batch in one transaction should do so in a stable order.
 */
export async function finishCommand(
  db: CommonQueryMethods,
  input: FinishCommandInput,
): Promise<boolean> {
  assertCommandRef(input);
  assertFinishStatus('status', input.status);
  assertAuditEventType('eventType', input.eventType);
  assertErrorFields(input);
  assertOptionalJsonObject('details', input.details);
  assertOptionalUuid('batchId', input.batchId);

  return callBooleanProcedure(db, 'finishCommand', {
    p_domain: input.domain,
    p_command_id: input.commandId,
    p_status: input.status,
    p_event_type: input.eventType,
    p_error_type: input.errorType ?? null,
    p_error_code: input.errorCode ?? null,
    p_error_msg: input.errorMsg ?? null,
    p_details: input.details ?? null,
    p_batch_id: input.batchId ?? null,
  });
}
