// A guarded status change of one command, for the operator's actions
// (troubleshooting item -> PENDING / COMPLETED / CANCELED).
import { sql, type CommonQueryMethods } from 'slonik';
import type { CommandStatus } from '../model.ts';
import { commandRecordSchema, commandRowSchema, type CommandRow } from '../rows.ts';
import { assertCommandStatus, ruleViolation } from '../validation.ts';
import { assertCommandRef } from './command-ref.ts';

export interface TransitionCommandInput {
  readonly domain: string;
  readonly commandId: string;
  /** The status the command must still have; otherwise nothing changes. */
  readonly from: CommandStatus;
  readonly to: CommandStatus;
  /** Start counting attempts afresh (an operator retry). Default false. */
  readonly resetAttempts?: boolean;
}

/**
 * Changes the status only if it is still `from` and returns the new row, or
 * `null` when the command is gone or has another status. The batch counters
 * are not touched: pair it with sp_tsq_* in the same transaction.
 */
export async function transitionCommand(
  db: CommonQueryMethods,
  input: TransitionCommandInput,
): Promise<CommandRow | null> {
  assertCommandRef(input);
  assertCommandStatus('from', input.from);
  assertCommandStatus('to', input.to);
  if (input.resetAttempts !== undefined && typeof input.resetAttempts !== 'boolean') {
    throw ruleViolation(
      'INVALID_ARGUMENT',
      'resetAttempts',
      'must be a boolean',
      input.resetAttempts,
    );
  }
  const row = await db.maybeOne(sql.type(commandRecordSchema)`
    UPDATE commandbus.command
       SET status = ${input.to},
           attempts = CASE WHEN ${input.resetAttempts ?? false}::boolean THEN 0 ELSE attempts END,
           updated_at = NOW()
     WHERE domain = ${input.domain}
       AND command_id = ${input.commandId}::uuid
       AND status = ${input.from}
    RETURNING *
  `);
  return row === null ? null : commandRowSchema.parse(row);
}
