// sp_receive_command: the worker's first step for a message it leased.
import { sql, type CommonQueryMethods } from 'slonik';
import type { CommandStatus } from '../model.ts';
import {
  receivedCommandRecordSchema,
  receivedCommandRowSchema,
  type ReceivedCommandRow,
} from '../rows.ts';
import {
  assertCommandStatus,
  assertDomain,
  assertInteger,
  assertMsgId,
  assertUuid,
} from '../validation.ts';
import { procedureCall, withProcedureErrors } from './call.ts';

export interface ReceiveCommandInput {
  readonly domain: string;
  readonly commandId: string;
  /** Default (the SQL default): IN_PROGRESS. */
  readonly newStatus?: CommandStatus;
  /** The leased message; NULL/omitted: the result falls back to the stored msg_id. */
  readonly msgId?: number | null;
  /** NULL/omitted: the result falls back to the stored max_attempts. */
  readonly maxAttempts?: number | null;
}

/**
 * Counts an attempt and marks the command received, atomically. `null` when
 * the command is terminal, in the troubleshooting queue or unknown: the
 * message is stale and the caller deletes it.
 */
export async function receiveCommand(
  db: CommonQueryMethods,
  input: ReceiveCommandInput,
): Promise<ReceivedCommandRow | null> {
  assertDomain(input.domain);
  assertUuid('commandId', input.commandId);
  if (input.newStatus !== undefined) assertCommandStatus('newStatus', input.newStatus);
  if (input.msgId != null) assertMsgId('msgId', input.msgId);
  if (input.maxAttempts != null) assertInteger('maxAttempts', input.maxAttempts, { min: 1 });

  const call = procedureCall('receiveCommand', {
    p_domain: input.domain,
    p_command_id: input.commandId,
    p_new_status: input.newStatus,
    p_msg_id: input.msgId ?? null,
    p_max_attempts: input.maxAttempts ?? null,
  });
  const row = await withProcedureErrors(() =>
    db.maybeOne(sql.type(receivedCommandRecordSchema)`SELECT * FROM ${call}`),
  );
  return row === null ? null : receivedCommandRowSchema.parse(row);
}
